"""A note that says only when a post goes out, where, or what its photo shows changes no verdict;
a note that names the moment it would land in still does."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.classifier import features
from bot.review.classifier_training import noted_copies, routine_notes, train, training_digest
from bot.review.models import Draft, Verdict

# Ordinary posts written for this test; with "Scheduled for Monday 9am." the classifier trained
# without routine notes flagged the sourdough, the parking and the shop dog.
ORDINARY = [
    "Our Leeds store opens at 8am from next week. See you there!",
    "Fresh sourdough out of the oven every morning at 7. First come, first served!",
    "Parking at the retail park is free for the first two hours. Happy shopping!",
    "Say hello to Biscuit, our new shop dog. He's very good at greeting customers.",
    "Gym timetable update: spin moves to 6.30pm on Wednesdays from next week.",
    "Free delivery on all orders over £30 this week. Happy shopping!",
    "Kids eat free every Sunday in August at all our pubs.",
    "We've added three new routes to Porto this spring. Fares from £39 one way.",
]
ROUTINE = ["Scheduled for Monday 9am.", "goes live thurs 12:30, IG + FB feed",
           "Photo: the team behind the counter, shot by Priya. Approved by comms."]
# Posts that sell, and a note naming the moment they would land in.
SELLING = ORDINARY[5:]
MOMENT = "Scheduled for the morning after the earthquake that killed 40 people in the city."


@pytest.mark.parametrize("note", ROUTINE)
def test_a_routine_note_changes_no_verdict(checker: OfflineChecker, note: str) -> None:
    for text in ORDINARY:
        assert checker.review(Draft(text=text), with_alternatives=False).verdict is Verdict.ship, text
        review = checker.review(Draft(text=text, notes=note), with_alternatives=False)
        assert review.verdict is Verdict.ship, (text, note, [f.rule_id for f in review.risks])


def test_a_note_naming_a_disaster_still_holds_a_sale(checker: OfflineChecker) -> None:
    for text in SELLING:
        review = checker.review(Draft(text=text, notes=MOMENT), with_alternatives=False)
        assert review.verdict is not Verdict.ship, text
        assert "insensitive_timing" in {f.category for f in review.risks}, text


def test_when_a_post_goes_out_weighs_nothing_but_the_moment_does(checker: OfflineChecker) -> None:
    routine = set(features(checker.prepare("New flavours this week",
                                           "Scheduled Monday 9am, goes out at 2pm")))
    assert not {f for f in routine if f.startswith("n:")}
    moment = set(features(checker.prepare("New flavours this week", "the morning after the earthquake")))
    assert "n:earthquak" in moment and "n:morn" not in moment


def test_the_shipped_routine_notes_are_read_and_say_nothing_risky(checker: OfflineChecker) -> None:
    notes = routine_notes(data_dir("rules"))
    assert len(notes) >= 100 and all(not n.startswith("#") for n in notes)
    # Each is routine for the rules too: not one of them makes an ordinary post a finding.
    for note in notes:
        review = checker.review(Draft(text="New flavours land this spring.", notes=note),
                                with_alternatives=False)
        assert not [f for f in review.risks if f.rule_id != "classifier"], note


def _rows() -> list[dict[str, object]]:
    risky = ["Only an idiot would still bank with them", "Karen strikes again at checkout",
             "Earthquake sale: prices crumble", "We saw you buy 3 pregnancy tests, congrats"]
    fine = ["Our store opens at 9am on Monday", "Thanks for the lovely review, Sam",
            "New flavours land this spring", "We donated 5% of sales to flood relief"]
    rows: list[dict[str, object]] = []
    for n in range(40):
        rows.append({"id": f"r{n}", "text": f"{risky[n % 4]} #{n}", "label": "backlash",
                     "risk_categories": ["customer_shaming"], "deserved": "revise"})
        rows.append({"id": f"f{n}", "text": f"{fine[n % 4]} #{n}", "label": "fine",
                     "risk_categories": [], "deserved": "ship",
                     **({"notes": "a note of its own"} if n % 5 == 0 else {})})
    return rows


def test_copies_keep_the_label_and_take_only_drafts_without_notes() -> None:
    rows = _rows()
    notes = ["Scheduled for Monday 9am.", "Photo: our shop front."]
    copies = noted_copies(rows, notes, 0.5)
    assert copies == noted_copies(rows, notes, 0.5)  # the same draws on every retraining
    assert 10 < len(copies) < 70
    for index, copy in copies:
        original = rows[index]
        assert not original.get("notes")
        assert copy["notes"] in notes and copy["text"] == original["text"]
        assert (copy["label"], copy["risk_categories"]) == (original["label"], original["risk_categories"])
    assert noted_copies(rows, notes, 0.0) == [] and noted_copies(rows, [], 0.5) == []
    assert len(noted_copies(rows, notes, 1.0)) == sum(not r.get("notes") for r in rows)


def test_training_measures_and_counts_the_examples_as_written(checker: OfflineChecker) -> None:
    rows = _rows()
    model = train(checker, rows, notes=["Scheduled for Monday 9am."], noted_share=1.0,
                  sentence_margin=None)
    assert model.examples == len(rows)
    # The list of fine drafts the weights would flag names drafts as written, never a copy.
    assert all(key.endswith("\x00") or "a note of its own" in key for key in model.fine_examples)


def test_editing_the_routine_notes_makes_the_model_stale(rules: Path) -> None:
    before = training_digest(OfflineChecker(rules, with_classifier=False))
    with (rules / "examples" / "routine_notes.txt").open("a", encoding="utf-8") as notes:
        notes.write("Carousel of the new mugs, posting Friday 4pm.\n")
    assert training_digest(OfflineChecker(rules, with_classifier=False)) != before
