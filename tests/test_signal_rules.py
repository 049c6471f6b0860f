"""rules/signals.yaml and rules/detector_texts.yaml: loading, clear errors, and edits that need no code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.checker_config import CheckerConfig
from bot.review.detector_texts import load_detector_texts
from bot.review.detectors import DETECTORS, TEXT_NEEDS
from bot.review.lexicons import Lexicons
from bot.review.models import Severity
from bot.review.rule_files import RuleFileError
from bot.review.signal_rules import load_signals
from bot.review.taxonomy import load_taxonomy
from bot.settings import Settings

#: The signal detector ids a checker config may already name in ``disabled_rules``.
SIGNAL_DETECTORS = [
    "signals.hardship", "signals.mishap", "signals.death-care", "signals.group", "signals.gender-split",
    "signals.holy-day", "signals.politics", "signals.named-scold", "signals.named-private", "signals.knowing",
    "signals.cause-day", "signals.injection", "signals.talking-down", "signals.sneer-at-a-customer",
    "signals.hardship-blamed", "signals.group-put-down", "signals.body-kept-out",
    "signals.snark-at-the-reader", "signals.ethnic-job-trope", "signals.money-trope-on-a-people",
    "signals.health-promise",
]

HARDSHIP_JOKE = "Lost your job? lol, at least you have time for our new game 😂"
DISASTER_JOKE = "The hurricane flattened half the town lol"

NEW_COMBINATION = """
  - rule: signals.disaster-with-a-laugh
    category: tragedy_exploitation
    severity: high
    anchor: [tragedy]
    partners: [levity]
    unless_any: [care]
    message: A death or a disaster next to a laugh or a wink reads as mocking the people it hit.
    suggestion: Drop the joke; if you mention it at all, say it plainly and kindly.
    partner_message: This is the laugh next to the tragedy.
"""


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    body = path.read_text(encoding="utf-8")
    assert body.count(old) == 1, old
    path.write_text(body.replace(old, new), encoding="utf-8")


def test_shipped_files_load_with_every_detector_id_a_config_may_name():
    taxonomy = load_taxonomy()
    lexicons = Lexicons.load(data_dir("rules") / "lexicons.yaml")
    detectors = load_signals(data_dir("rules") / "signals.yaml", taxonomy, lexicons.names, reserved=DETECTORS)
    assert [name for name, _ in detectors] == SIGNAL_DETECTORS
    for _, combinations in detectors:
        assert {c.category for c in combinations} <= set(taxonomy.ids)
    load_detector_texts(data_dir("rules") / "detector_texts.yaml", taxonomy, TEXT_NEEDS)


def test_the_rules_folder_of_a_wheel_holds_the_new_files():
    # pyproject.toml force-includes rules/ as bot/_data/rules; data_dir() finds either copy.
    assert (data_dir("rules") / "signals.yaml").is_file()
    assert (data_dir("rules") / "detector_texts.yaml").is_file()
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"rules" = "bot/_data/rules"' in pyproject


def test_a_comms_lead_adds_a_combination_without_code(rules):
    assert DISASTER_JOKE and not OfflineChecker(rules).find_risks(DISASTER_JOKE)
    _append(rules / "signals.yaml", NEW_COMBINATION)
    checker = OfflineChecker.from_settings(Settings(_env_file=None, rules_dir=rules))
    risks = checker.find_risks(DISASTER_JOKE)
    assert [(r.rule_id, r.category, r.severity, r.evidence.quote) for r in risks] == [
        ("signals.disaster-with-a-laugh", "tragedy_exploitation", Severity.high, "hurricane"),
        ("signals.disaster-with-a-laugh", "tragedy_exploitation", Severity.high, "lol"),
    ]
    assert risks[1].explanation == "This is the laugh next to the tragedy."
    # Its blocker, and the checker config, work as for any other rule.
    assert checker.find_risks("The hurricane flattened half the town. We're so sorry; we're donating.") == []
    off = OfflineChecker(rules, CheckerConfig(disabled_rules=["signals.disaster-with-a-laugh"]))
    assert off.find_risks(DISASTER_JOKE) == []
    lowered = OfflineChecker(
        rules, CheckerConfig(severity_overrides={"signals.disaster-with-a-laugh": "low"})
    )
    assert {r.severity for r in lowered.find_risks(DISASTER_JOKE)} == {Severity.low}


def test_a_new_family_in_lexicons_can_be_combined(rules):
    _append(rules / "lexicons.yaml", "\nzorp_words:\n  - zorp\n")
    _append(rules / "signals.yaml", NEW_COMBINATION.replace("[tragedy]", "[zorp_words]"))
    risks = OfflineChecker(rules).find_risks("Zorp is back lol")
    assert [(r.rule_id, r.evidence.quote) for r in risks] == [
        ("signals.disaster-with-a-laugh", "Zorp"), ("signals.disaster-with-a-laugh", "lol"),
    ]


def test_existing_detector_ids_still_switch_combinations_off():
    assert any(r.rule_id == "signals.hardship-as-joke" for r in OfflineChecker().find_risks(HARDSHIP_JOKE))
    for disabled in (["signals.hardship"], ["signals."], ["signals.hardship-as-joke"]):
        checker = OfflineChecker(config=CheckerConfig(disabled_rules=disabled))
        assert not any(r.rule_id == "signals.hardship-as-joke" for r in checker.find_risks(HARDSHIP_JOKE))


def test_combinations_of_one_detector_give_one_finding(rules):
    # Two faiths in one post: the first combination that fires ends the holy-day detector.
    text = "Happy Diwali and Eid Mubarak! Celebrate with our beef burger and a cold beer."
    holy = [r for r in OfflineChecker(rules).find_risks(text) if r.rule_id == "signals.holy-day-taboo"]
    assert [r.evidence.quote for r in holy] == ["Diwali", "beef"]


def test_edited_wording_reaches_the_findings(rules):
    _replace(rules / "signals.yaml", "partner_message: This is what turns the hardship into a joke.",
             "partner_message: This is the punchline.")
    _replace(rules / "detector_texts.yaml",
             "message: A real struggle is set up as the lead-in to a product or a joke.",
             "message: The cause is a lead-in to a sale.")
    checker = OfflineChecker(rules)
    assert "This is the punchline." in {r.explanation for r in checker.find_risks(HARDSHIP_JOKE)}
    pivot = "Refugees are fleeing the war. But our new burger is here to cheer you up!"
    assert "The cause is a lead-in to a sale." in {r.explanation for r in checker.find_risks(pivot)}


def _bad_combination(**fields: str) -> str:
    lines = {
        "rule": "test.combo", "category": "off_brand_tone", "severity": "medium", "anchor": "[mishap]",
        "partners": "[levity]", "message": "m", "suggestion": "s", "partner_message": "p",
    }
    lines.update(fields)
    body = "\n".join(f"    {key}: {value}" for key, value in lines.items() if value != "DROP")
    return "\n  - " + body.lstrip() + "\n"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_bad_combination(anchor="[levty]"),
         r"signals.yaml: combination #\d+ \('test.combo'\): anchor: unknown family 'levty'; "
         r"did you mean 'levity'\?"),
        (_bad_combination(unless_any="[nope_family]"),
         r"combination #\d+ \('test.combo'\): unless_any: unknown family 'nope_family'"),
        (_bad_combination(category="made_up"),
         r"combination #\d+ \('test.combo'\): unknown category 'made_up' \(known: "),
        (_bad_combination(severity="extreme"), r"combination #\d+ \('test.combo'\): severity: "),
        (_bad_combination(message="DROP"), r"combination #\d+ \('test.combo'\): message: Field required"),
        (_bad_combination(colour="blue"), r"combination #\d+ \('test.combo'\): colour: Extra inputs"),
        (_bad_combination(partners="DROP"), r"\('test.combo'\): partners is required"),
        (_bad_combination(partner_message="DROP"), r"\('test.combo'\): partner_message is required"),
        (_bad_combination(finder="gender-split"),
         r"\('test.combo'\): a combination with a finder takes no anchor"),
        (_bad_combination(anchor="DROP", partners="DROP", finder="tea-leaves"),
         r"\('test.combo'\): finder: unknown finder 'tea-leaves'"),
        (_bad_combination(detector="judgement"), r"detector id 'judgement' is taken by a detector in code"),
        (_bad_combination(detector="signals.hardship"),
         r"detector 'signals.hardship' continues combination #1 .*one after the other"),
        ("\n  - just a string\n", r"signals.yaml: combination #\d+: Input should be a valid dictionary"),
        ("\n  - rule: [broken\n", r"signals.yaml: not valid YAML"),
    ],
)
def test_a_bad_combination_fails_at_start_up_naming_file_and_entry(rules, entry, expected):
    _append(rules / "signals.yaml", entry)
    with pytest.raises(RuleFileError, match=expected):
        OfflineChecker(rules)


def test_a_bad_group_is_named(rules):
    _replace(rules / "signals.yaml", "mockery: [levity, belittle, diagnosis, jab]",
             "mockery: [levity, belitle]")
    with pytest.raises(RuleFileError, match=r"signals.yaml: group 'mockery': unknown family 'belitle'"):
        OfflineChecker(rules)


def test_a_missing_signals_file_is_named(rules):
    (rules / "signals.yaml").unlink()
    with pytest.raises(RuleFileError, match=r"signals.yaml: file not found"):
        OfflineChecker(rules)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("judgement.roast:\n", "judgement.roasted:\n",
         r"detector_texts.yaml: rule 'judgement.roasted': no detector in code reports this rule id"),
        ("  partner_message: This is the offer attached to the day.\n", "",
         r"detector_texts.yaml: rule 'cause.day-as-sale': partner_message is missing"),
        ("    insensitive_timing:\n", "    timing:\n",
         r"rule 'cause.slight-on-cause-day': also: unknown category 'timing'"),
        ("  suggestion: Check who the reply is aimed at before posting.\n",
         "  suggestion: Check who the reply is aimed at before posting.\n  tone: warm\n",
         r"rule 'judgement.roast': tone: Extra inputs"),
    ],
)
def test_a_bad_detector_text_fails_at_start_up_naming_file_and_rule(rules, old, new, expected):
    _replace(rules / "detector_texts.yaml", old, new)
    with pytest.raises(RuleFileError, match=expected):
        OfflineChecker(rules)


def test_a_rule_the_code_reports_must_have_its_texts(rules):
    body = (rules / "detector_texts.yaml").read_text(encoding="utf-8")
    start = body.index("hashtag.cause-tag-as-hook:")
    end = body.index("\n\n", start)
    (rules / "detector_texts.yaml").write_text(body[:start] + body[end + 2:], encoding="utf-8")
    with pytest.raises(RuleFileError, match=re.escape("no texts for rule(s) the detectors report: "
                                                      "hashtag.cause-tag-as-hook")):
        OfflineChecker(rules)
