"""Grading by the kind of risk, alternatives that belong to their draft, reactions about it,
the author's notes as context, and the eval's grading and alternative figures (invented drafts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.evaluation import EvalOutcome, alternative_problems, report_for
from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Review,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    verdict_for,
)
from bot.review.reactions import ReactionBook
from bot.review.taxonomy import RuleFileError, load_taxonomy


@pytest.fixture(scope="module")
def checker(rule_checker: OfflineChecker) -> OfflineChecker:
    """These tests pin what the rules and detectors say: the classifier, trained on examples, is
    tested on its own (tests/test_classifier.py) and measured by ``redteam eval``."""
    return rule_checker

TRAGEDY_SALE = "Never forget 9/11. Mattresses 30% off all weekend at Dreamland!"
MILKSHAKE = "Try our new strawberry milkshake, 2 for $5 today!"
COUNTED = ("To the 41 people who've streamed our breakup playlist every night for the past 12 nights: "
           "Who hurt you?")




def _risk(category: str, severity: Severity, quote: str = "words", start: int = 0) -> Risk:
    return Risk(category=category, severity=severity,
                evidence=Evidence(quote=quote, start=start, end=start + len(quote)),
                explanation="e", who_could_be_hurt="People.", suggestion="s")


# --- grading -----------------------------------------------------------------------------------

def test_a_single_high_risk_whose_idea_is_the_harm_is_do_not_post():
    grading = load_taxonomy().grading
    for category in ("tragedy_exploitation", "hashtag_hijack", "privacy_disclosure", "punching_down"):
        assert verdict_for([_risk(category, Severity.high)], grading) is Verdict.do_not_post, category


def test_wording_risks_ask_for_a_revision_however_many_fired():
    grading = load_taxonomy().grading
    risks = [_risk(c, Severity.high) for c in ("customer_shaming", "surveillance_creep", "sarcasm_misfire")]
    assert verdict_for(risks, grading) is Verdict.revise
    assert verdict_for([_risk("customer_shaming", Severity.critical)], grading) is Verdict.do_not_post
    assert verdict_for([_risk("tragedy_exploitation", Severity.medium)], grading) is Verdict.revise
    assert verdict_for([_risk("tragedy_exploitation", Severity.low)], grading) is Verdict.ship


def test_the_grading_is_data_a_comms_lead_can_change(rules: Path):
    data = yaml.safe_load((rules / "taxonomy.yaml").read_text(encoding="utf-8"))
    for category in data["categories"]:
        if category["id"] == "customer_shaming":
            category["grading"] = {"scope": "idea", "floor": "high", "because": "customers are mocked"}
    (rules / "taxonomy.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    review = OfflineChecker(rules).review(Draft(text=COUNTED))
    assert review.verdict is Verdict.do_not_post
    assert "customers are mocked" in review.summary


def test_the_summary_says_which_kind_of_risk_and_why(checker):
    idea = checker.review(Draft(text=TRAGEDY_SALE))
    assert idea.verdict is Verdict.do_not_post
    assert idea.summary.startswith("Do not post: the idea itself is the harm")
    assert "sell" in idea.summary and "“" in idea.summary
    wording = checker.review(Draft(text=COUNTED))
    assert wording.verdict is Verdict.revise
    assert wording.summary.startswith("Revise: the wording carries the risk")


# --- notes as context ----------------------------------------------------------------------------

def test_a_timing_note_makes_a_promotion_insensitive_timing(checker):
    assert checker.review(Draft(text=MILKSHAKE)).verdict is Verdict.ship
    review = checker.review(Draft(text=MILKSHAKE, notes="goes out the morning after the earthquake"))
    timing = [r for r in review.risks if r.category == "insensitive_timing"]
    # Flagged, not "do not post": the same promotion can go out once the moment has passed.
    assert timing and review.verdict is Verdict.revise
    # The notes are context: the evidence is the draft's own words, never the notes.
    assert all(MILKSHAKE[r.evidence.start:r.evidence.end] == r.evidence.quote for r in timing)
    assert "earthquake" in timing[0].explanation
    # The summary says what a revision means here (the taxonomy's ``revise``), not "the wording".
    meaning = checker.taxonomy.grading["insensitive_timing"].revise
    assert meaning and review.summary.startswith(f"Revise: {meaning} (")
    assert "wording" not in review.summary


def test_a_caring_post_or_an_unrelated_note_is_not_timing(checker):
    caring = Draft(text="Our thoughts are with everyone affected. Stay safe.", notes="during the hurricane")
    assert not checker.review(caring).risks
    store = Draft(text=MILKSHAKE, notes="for the 10th anniversary of our first store")
    assert checker.review(store).verdict is Verdict.ship


def test_the_cli_notes_reach_the_offline_review(capsys, monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    notes = "the day after the shooting"
    code = main(["review", "--offline", "--format", "json", "--notes", notes, MILKSHAKE])
    out, _ = capsys.readouterr()
    assert code == 0
    review = Review.model_validate_json(out)
    assert any(r.category == "insensitive_timing" for r in review.risks)


# --- alternatives --------------------------------------------------------------------------------

def test_an_idea_harm_gets_advice_in_its_own_words_not_a_stock_post(checker):
    review = checker.review(Draft(text=TRAGEDY_SALE))
    assert review.alternatives and review.alternatives[0].kind == "advice"
    other_text = "Remember the towers fell on 9/11. Tyres half price at Roadstar today."
    other = checker.review(Draft(text=other_text))
    texts = {a.text for a in review.alternatives}
    assert not texts & {a.text for a in other.alternatives}
    for alt in review.alternatives:
        if alt.kind == "rewrite":
            assert "9/11" not in alt.text and alt.residual_risk is RiskLevel.none


def test_rewrites_keep_the_subject_and_drop_the_risky_words(checker):
    review = checker.review(Draft(text=COUNTED))
    rewrites = [a for a in review.alternatives if a.kind == "rewrite"]
    assert rewrites
    for alt in rewrites:
        assert "breakup playlist" in alt.text  # the draft's subject stays
        assert "41" not in alt.text and "Who hurt you" not in alt.text
        assert alt.residual_risks == checker.find_risks(alt.text)


def test_no_alternative_ever_keeps_a_high_risk_quote(checker):
    drafts = [TRAGEDY_SALE, COUNTED, "Thanks for the 1-star review, Karen. Try reading the label 🙃",
              "Only an idiot would pay full price somewhere else. Shop our sale!",
              "Why is your balance so low? Maybe stop buying lattes. Open a Saver account today."]
    for text in drafts:
        review = checker.review(Draft(text=text))
        assert not alternative_problems(review, checker.find_risks), text


def test_advice_for_a_jab_drops_its_eye_roll_too_but_a_tribute_keeps_its_offer(checker):
    # A sneer's partner words are part of the jab: advice never keeps them "for another day".
    jab = checker.review(Draft(text="Another DM asking if we're open on Sunday. Google exists, bestie 🙄"))
    advice = [a.text for a in jab.alternatives if a.kind == "advice"]
    assert advice and "Google exists" in advice[0] and "another day" not in advice[0]
    tribute = checker.review(Draft(text=TRAGEDY_SALE))
    assert any("another day" in a.text for a in tribute.alternatives if a.kind == "advice")


def test_a_sarcasm_marker_left_in_a_rewrite_shows_in_its_residual_risk(checker):
    risks = checker.find_risks("Wow, so sorry your order was late 🙃")
    assert any(r.category == "sarcasm_misfire" for r in risks)


# --- worst reactions -----------------------------------------------------------------------------

def test_reactions_quote_the_draft_and_come_only_from_its_categories(checker):
    for text in (TRAGEDY_SALE, COUNTED, "Only an idiot would pay full price somewhere else."):
        review = checker.review(Draft(text=text))
        categories = {r.category for r in review.risks}
        assert review.worst_reactions
        for reaction in review.worst_reactions:
            assert reaction.category in categories
            assert any(r.evidence.quote[:30] in reaction.reply for r in review.risks), reaction.reply


def test_a_reaction_template_without_the_drafts_words_is_refused(tmp_path: Path):
    path = tmp_path / "reactions.yaml"
    path.write_text("tragedy_exploitation:\n  - persona: A critic\n    reply: People are grieving.\n",
                    encoding="utf-8")
    with pytest.raises(RuleFileError, match="quote"):
        ReactionBook.load(path, load_taxonomy())


# --- classes about people: the kind of risk sets the verdict ------------------------------------

@pytest.mark.parametrize("text", [
    "Our old checkout was a total spacker, so we rebuilt it.",
    "Only someone straight out of special ed would pay full price for a cable.",
    "Our haunted maze is back: escaped asylum inmates chase you through the dark.",
    "Introducing our new bipolar mug: hot one minute, cold the next.",
])
def test_an_ableist_slur_or_a_condition_as_a_prop_is_do_not_post(checker, text):
    review = _review(checker, text)
    assert review.verdict is Verdict.do_not_post, [(r.rule_id, r.severity.value) for r in review.risks]
    assert "punching_down" in {r.category for r in review.risks}


@pytest.mark.parametrize(("text", "category"), [
    ("@lena_k Sorry the curry was too 'hot' for you! The kids' menu is more your speed.",
     "customer_shaming"),
    ("Your savings account is looking kinda sad. Let's fix that.", "customer_shaming"),
    ("Still paying by cheque? You're officially a fossil.", "customer_shaming"),
    ("Cool story. Anyway, doors open at nine.", "sarcasm_misfire"),
    ("Grilling is a man's job. Let the ladies make the salad.", "stereotype_bias"),
    ("Our remote is grandpa-proof: three buttons.", "stereotype_bias"),
])
def test_a_wording_risk_about_people_asks_for_a_revision(checker, text, category):
    review = _review(checker, text)
    assert review.verdict is Verdict.revise, [(r.rule_id, r.severity.value) for r in review.risks]
    assert category in {r.category for r in review.risks}


# --- class rules and their examples --------------------------------------------------------------

@pytest.mark.parametrize("pack_file", ["classes.yaml", "people.yaml"])
def test_every_class_rule_flags_and_passes_its_own_examples(checker, pack_file):
    pack = yaml.safe_load((data_dir("rules") / "packs" / pack_file).read_text(encoding="utf-8"))
    for rule in pack["rules"]:
        examples = rule["examples"]
        assert examples["flag"] and examples["pass"], rule["id"]
        for text in examples["flag"]:
            assert rule["id"] in {r.rule_id for r in checker.find_risks(text)}, (rule["id"], text)
        for text in examples["pass"]:
            assert rule["id"] not in {r.rule_id for r in checker.find_risks(text)}, (rule["id"], text)


def _review(checker: OfflineChecker, text: str, notes: str | None = None) -> Review:
    return checker.review(Draft(text=text, notes=notes), with_alternatives=False)


def test_a_counted_group_tracked_buying_something_private_is_do_not_post(checker):
    review = _review(checker, "Last week 9 customers at our Hill Road pharmacy bought a pregnancy test "
                              "and a pack of crisps together. Snack cravings already? 🤔")
    assert review.verdict is Verdict.do_not_post
    assert "privacy_disclosure" in {r.category for r in review.risks}
    # A mood or a playlist is tracked, not private: the wording carries the risk there.
    assert _review(checker, COUNTED).verdict is Verdict.revise


def test_a_movements_hashtag_used_as_a_hook_is_do_not_post(checker):
    hook = "#TimesUp, said everyone who tasted the new cinnamon oats"
    assert _review(checker, hook).verdict is Verdict.do_not_post
    assert _review(checker, "We stand with survivors today. #TimesUp").verdict is Verdict.ship


def test_a_negated_offer_on_a_cause_day_is_not_a_sale(checker):
    day = "It's Autism Awareness Month."
    stories = f"{day} No sale, no discount: our staff share their own stories this week."
    assert _review(checker, stories).verdict is Verdict.ship
    assert _review(checker, f"{day} Sale: 20% off all week.").verdict is not Verdict.ship


def test_a_note_about_an_arrest_or_a_scandal_makes_a_carefree_post_insensitive(checker):
    post = "Nothing can stop us this weekend 😎 #FridayFeeling"
    assert _review(checker, post).verdict is Verdict.ship
    note = "our founder was charged with fraud this morning, the story is trending"
    noted = _review(checker, post, notes=note)
    assert "insensitive_timing" in {r.category for r in noted.risks}


# --- eval figures --------------------------------------------------------------------------------

def _outcome(id_: str, verdict: Verdict, deserved: Verdict | None, alternatives: list[str]) -> EvalOutcome:
    return EvalOutcome(id=id_, label="backlash", verdict=verdict, flagged=verdict is not Verdict.ship,
                       expected=[], found=[], deserved=deserved, alternatives=alternatives)


def test_the_report_measures_grading_and_templated_alternatives():
    report = report_for([
        _outcome("a", Verdict.do_not_post, Verdict.revise, ["We're pausing today.", "Own text a"]),
        _outcome("b", Verdict.revise, Verdict.do_not_post, ["we're  pausing today."]),
        _outcome("c", Verdict.revise, None, ["Own text c"]),
    ])
    assert report.n_graded == 2 and report.grading_accuracy == 0.5
    assert [o.id for o in report.under_graded] == ["b"]
    assert report.n_alternatives == 4 and report.templated_share == 0.5
    # One draft reviewed twice (with a routine note, then with a note naming the moment) is one
    # draft: the same alternative under both is not a template.
    twice = [_outcome("d-r", Verdict.revise, None, ["Our sale is back next week."]),
             _outcome("d-m", Verdict.revise, None, ["Our sale is back next week."])]
    for o in twice:
        o.draft = "new flavours land this spring."
    assert report_for(twice).templated_share == 0.0
    assert report_for([o.model_copy(update={"draft": ""}) for o in twice]).templated_share == 1.0
    text = report.as_text()
    assert "Graded at least as deserved: 0.50" in text and "Templated alternatives: 0.50" in text


def test_alternative_problems_catch_a_kept_quote_and_an_understated_residual():
    risk = _risk("tragedy_exploitation", Severity.high, "Never forget")
    review = Review(draft=Draft(text="Never forget. Sale!"), verdict=Verdict.do_not_post,
                    risk_level=RiskLevel.high, risks=[risk], alternatives=[
                        Alternative(text="never  forget: sale", what_changed="x"),
                        Alternative(text="A calm post", what_changed="x", residual_risk=RiskLevel.none),
                        Alternative(text="Instead of “Never forget”: ...", what_changed="x", kind="advice"),
                    ])
    problems = alternative_problems(review, lambda text: [risk] if "calm" in text else [])
    assert len(problems) == 2
    assert "keeps a high-risk quote" in problems[0] and "the checker finds high" in problems[1]
