"""A loose regression floor on the offline checker's judgement of the corpus sample, and the
evaluation API itself.

The measured figures live in ``redteam eval`` reports and docs/quality.md; this test only fails
when recall or false positives collapse. The sample is a measurement, not a
training set: no rule names a brand or quotes a corpus post, and no test names a corpus item.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.review.checker import OfflineChecker
from bot.review.evaluation import EvalItem, EvalReport, evaluate, load_labelled, report_for
from bot.review.models import Draft, Review

SAMPLE = Path(__file__).parent / "data" / "corpus_sample.jsonl"

#: Loose floors, not the measured figures. Recall holds the product's target. False positives
#: allow for the classifier, which reads some of the corpus's edgy posts that landed well (a
#: brand quoting criticism of itself, a roast of a heckler) as risky; the figure and what it
#: flags are in docs/quality.md, with the trade the flag's threshold makes between these and
#: recall on drafts nobody has seen. This only catches a collapse.
MIN_RECALL = 0.80
MAX_FP_RATE = 0.35


@pytest.fixture(scope="module")
def report(checker: OfflineChecker) -> EvalReport:
    import asyncio

    async def review(draft: Draft) -> Review:
        return checker.review(draft)

    return asyncio.run(evaluate(load_labelled(SAMPLE), review))


def test_every_post_of_the_sample_is_evaluated(report):
    posts = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert report.failed == []
    assert report.n_backlash + report.n_fine + report.n_mixed == len(posts) == len(report.outcomes)
    assert report.n_backlash and report.n_fine


def test_recall_and_false_positive_rate_meet_the_targets(report):
    assert report.recall is not None and report.recall >= MIN_RECALL, report.as_text()
    assert report.fp_rate is not None and report.fp_rate <= MAX_FP_RATE, report.as_text()


def test_the_report_text_states_the_counts_of_the_outcomes(report):
    text = report.as_text()
    backlash = [o for o in report.outcomes if o.label == "backlash"]
    fine = [o for o in report.outcomes if o.label == "fine"]
    hits = sum(o.flagged for o in backlash)
    false_alarms = sum(o.flagged for o in fine)
    assert f"Recall on backlash posts: {hits / len(backlash):.2f} ({hits}/{len(backlash)} flagged)" in text
    assert (f"False-positive rate on fine posts: {false_alarms / len(fine):.2f} "
            f"({false_alarms}/{len(fine)} flagged)") in text
    assert "surveillance_creep" in text
    missed = {o.id for o in backlash if not o.flagged}
    assert {m.id for m in report.misses} == missed
    for miss in missed:
        assert miss in text


def test_per_category_rows_count_labelled_posts(report):
    rows = {r.category: r for r in report.per_category}
    labelled = {}
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["label"] != "fine":
            for category in item["risk_categories"]:
                labelled[category] = labelled.get(category, 0) + 1
    assert {c: r.n for c, r in rows.items()} == labelled
    assert all(0 <= r.named <= r.n and 0 <= r.flagged <= r.n for r in rows.values())


# --- the evaluation API itself -------------------------------------------------------------


def test_load_labelled_reports_every_bad_line_with_its_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"id": "a", "text": "hi", "label": "fine", "risk_categories": []})
    path.write_text(
        "\n".join([
            "# a comment line",
            good,
            "{not json",
            json.dumps({"id": "b", "text": "x", "label": "awful"}),
            json.dumps({"text": "no id", "label": "fine"}),
            good,
        ]) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as caught:
        load_labelled(path)
    message = str(caught.value)
    assert "bad.jsonl: 4 bad line(s)" in message
    for fragment in ("line 3: not valid JSON", "line 4: label", "line 5: id", "line 6: duplicate id 'a'"):
        assert fragment in message


def test_load_labelled_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_labelled(tmp_path / "absent.jsonl")


async def test_evaluate_keeps_going_when_one_review_fails(checker):
    items = [
        EvalItem(id="ok", text="fine post", label="fine"),
        EvalItem(id="boom", text="explodes", label="backlash", risk_categories=["sarcasm_misfire"]),
        EvalItem(id="hit", text="Women belong in the kitchen.", label="backlash",
                 risk_categories=["stereotype_bias"]),
    ]

    async def review(draft: Draft) -> Review:
        if draft.text == "explodes":
            raise RuntimeError("model went away")
        return checker.review(draft)

    report = await evaluate(items, review, concurrency=2)
    assert [(f.id, f.error) for f in report.failed] == [("boom", "model went away")]
    assert (report.recall, report.fp_rate, report.n_backlash, report.n_fine) == (1.0, 0.0, 1, 1)
    assert report.per_category[0].category == "stereotype_bias"
    assert report.per_category[0].named == 1
    assert "boom: model went away" in report.as_text()


def test_report_for_empty_outcomes_has_no_rates():
    report = report_for([])
    assert report.recall is None and report.fp_rate is None
    assert "n/a" in report.as_text()
