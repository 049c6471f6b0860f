"""Regression guard: the offline checker on the invented challenge set (tests/data/CHALLENGE.md).

All three files are tuning data now: the first round broadened the packs on ``challenge_dev.jsonl`` and
measured ``challenge_holdout.jsonl`` once (0.27 recall); the second round replaced phrase lists with
compositional signal families (``bot.review.detectors.signals``) designed from the misses of both;
the third round widened those families on the misses of ``challenge_fresh.jsonl``; the fourth
added word classes for the misses of ``real_tune.jsonl`` (real posts, recalled from memory).
Generalisation is measured elsewhere, on posts neither round saw (README, section
"offline-checker"). The floors below sit a little under the current figures: a change that loses
recall or adds false positives on either file fails here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.review.checker import OfflineChecker
from bot.review.evaluation import EvalReport, evaluate, load_labelled
from bot.review.models import Draft, Review

DATA = Path(__file__).parent / "data"

#: file -> (backlash, fine, minimum recall, maximum false-positive rate).
#: Measured on 2026-11-22 after the signal families: dev 55/55 flagged, 0/45 false positives;
#: holdout 54/55 flagged, 0/45 false positives (first round: 53/55 and 15/55). Each floor allows
#: one more miss and one false positive than measured. ``challenge_fresh.jsonl`` (a third writer,
#: measured once at 40/90 and 4/70 before round 3 tuned on it) is now 90/90 and 0/70; its floor
#: allows two misses and the 3/70 false positives the brief tolerates.
FLOORS = {
    "challenge_dev.jsonl": (55, 45, 54 / 55, 1 / 45),
    "challenge_holdout.jsonl": (55, 45, 53 / 55, 1 / 45),
    "challenge_fresh.jsonl": (90, 70, 88 / 90, 3 / 70),
    # Real brand posts recalled from memory (tuning half, tests/data/CHALLENGE.md): 5/22 flagged
    # before round 4, 18/22 after, 0/18 false positives; one more miss and one false positive allowed.
    "real_tune.jsonl": (22, 18, 17 / 22, 1 / 18),
    # Held out: never read while tuning (see CHALLENGE.md); measured 6/22 and 0/19 after round 4.
    "real_holdout.jsonl": (22, 19, 5 / 22, 1 / 19),
}


def _report(name: str) -> EvalReport:
    checker = OfflineChecker()

    async def review(draft: Draft) -> Review:
        return checker.review(draft)

    return asyncio.run(evaluate(load_labelled(DATA / name), review))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_challenge_recall_and_false_positives_hold(name):
    n_backlash, n_fine, min_recall, max_fp = FLOORS[name]
    report = _report(name)
    assert (report.n_backlash, report.n_fine, report.failed) == (n_backlash, n_fine, [])
    assert report.recall is not None and report.recall >= min_recall, report.as_text()
    assert report.fp_rate is not None and report.fp_rate <= max_fp, report.as_text()
