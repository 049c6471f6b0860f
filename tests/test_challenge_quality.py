"""Loose floors under the offline checker's judgement, so a change that breaks it fails here.

The labelled drafts in rules/examples/ are what the classifier is trained on (and what rules were
designed from): on them the checker must do well, or training or a rule is broken. The real posts
of tests/data/real_holdout.jsonl were never used for either; its floor only guards against a
collapse. How the checker does on drafts it has never seen is measured, not asserted
(``redteam eval``, docs/quality.md).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.evaluation import EvalReport, evaluate, load_labelled
from bot.review.models import Draft, Review, Verdict, verdict_for

EXAMPLES = data_dir("rules") / "examples"
HOLDOUT = Path(__file__).parent / "data" / "real_holdout.jsonl"

#: Training data: most risky drafts flagged, few fine ones. A regularised model fits each writer's
#: file a little less closely as more writers' files join (0.84-1.00 over 47 files today).
TRAINED_RECALL, TRAINED_FP = 0.80, 0.12
#: Real posts among the examples (recalled brand posts) are fitted less closely than invented
#: drafts: a regularised model trained mostly on invented wording flags about 0.7 of them.
REAL_POSTS = frozenset({"real_tune.jsonl", "recalled_real_posts.jsonl", "recalled_us.jsonl",
                        "recalled_outside_us.jsonl"})
TRAINED_REAL_RECALL = 0.60
#: Real posts never trained on: far from the targets, but never none.
HOLDOUT_RECALL, HOLDOUT_FP = 0.25, 0.20


def _report(checker: OfflineChecker, path: Path) -> EvalReport:
    async def review(draft: Draft) -> Review:
        return checker.review(draft, with_alternatives=False)

    return asyncio.run(evaluate(load_labelled(path), review))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.jsonl")), ids=lambda p: p.name)
def test_the_checker_fits_its_examples(checker: OfflineChecker, path: Path) -> None:
    # The verdict alone, as a review gives it: thousands of drafts, so no reactions or summary.
    flagged: dict[str, list[str]] = {"backlash": [], "fine": []}
    counts = {"backlash": 0, "fine": 0}
    for item in load_labelled(path):
        scanned = checker.scan_draft(Draft(text=item.text, notes=item.notes, platform=item.platform))
        counts[item.label] += 1
        if verdict_for(scanned.risks, checker.taxonomy.grading) is not Verdict.ship:
            flagged[item.label].append(item.id)
    assert counts["backlash"] or counts["fine"]
    if counts["backlash"]:
        floor = TRAINED_REAL_RECALL if path.name in REAL_POSTS else TRAINED_RECALL
        assert len(flagged["backlash"]) >= floor * counts["backlash"], counts
    if counts["fine"]:
        assert len(flagged["fine"]) <= TRAINED_FP * counts["fine"], flagged["fine"]


def test_real_posts_never_trained_on_are_not_all_missed(checker: OfflineChecker) -> None:
    report = _report(checker, HOLDOUT)
    assert report.failed == []
    assert report.recall is not None and report.recall >= HOLDOUT_RECALL, report.as_text()
    assert report.fp_rate is not None and report.fp_rate <= HOLDOUT_FP, report.as_text()
