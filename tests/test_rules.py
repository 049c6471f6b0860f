"""Rule packs and the checker config: loading, clear errors, context keys, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.checker_config import CheckerConfig, load_checker_config
from bot.review.models import Severity
from bot.review.rule_files import RuleFileError
from bot.review.rulepack import load_packs
from bot.review.taxonomy import load_taxonomy
from bot.settings import Settings
from tests.drafts import NETFLIX


def _write_pack(rules: Path, body: str, name: str = "zz_test.yaml") -> Path:
    path = rules / "packs" / name
    path.write_text(body, encoding="utf-8")
    return path


GOOD_RULE = """
pack: test
rules:
  - id: test.widget
    category: off_brand_tone
    severity: medium
    terms: [frobnicate widget]
    message: A test message.
    suggestion: A test suggestion.
"""


def test_shipped_packs_load_with_unique_ids_and_known_categories():
    taxonomy = load_taxonomy()
    compiled = load_packs(data_dir("rules") / "packs", taxonomy)
    ids = [c.rule.id for c in compiled]
    assert len(ids) == len(set(ids)) > 20
    assert {c.rule.category for c in compiled} <= set(taxonomy.ids)


def test_a_new_pack_file_is_picked_up_and_terms_match_hashtags(rules):
    _write_pack(rules, GOOD_RULE)
    checker = OfflineChecker(rules)
    risks = checker.find_risks("Try it: #FrobnicateWidget today")
    assert [(r.rule_id, r.evidence.quote) for r in risks] == [("test.widget", "#FrobnicateWidget"[1:])]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GOOD_RULE.replace("terms: [frobnicate widget]", "patterns: ['(unclosed']"),
         r"zz_test.yaml: rule 'test.widget': bad pattern '\(unclosed'"),
        (GOOD_RULE.replace("off_brand_tone", "made_up_category"),
         r"zz_test.yaml: rule 'test.widget': unknown category 'made_up_category'"),
        (GOOD_RULE.replace("    message: A test message.\n", ""),
         r"zz_test.yaml: rule 'test.widget': message: Field required"),
        (GOOD_RULE.replace("severity: medium", "severity: extreme"),
         r"zz_test.yaml: rule 'test.widget': severity"),
        (GOOD_RULE.replace("terms: [frobnicate widget]", "colour: blue"),
         r"zz_test.yaml: rule 'test.widget'"),
        ("pack: x\nrules: {not: a list}\n", r"zz_test.yaml: expected a mapping"),
        ("pack: x\nrules:\n  - id: [broken\n", r"zz_test.yaml: not valid YAML"),
    ],
)
def test_a_bad_rule_file_fails_with_a_message_naming_file_and_rule(rules, body, expected):
    _write_pack(rules, body)
    with pytest.raises(RuleFileError, match=expected):
        OfflineChecker(rules)


def test_duplicate_rule_ids_across_packs_name_both_files(rules):
    _write_pack(rules, GOOD_RULE, "aa.yaml")
    _write_pack(rules, GOOD_RULE, "bb.yaml")
    with pytest.raises(RuleFileError, match=r"bb.yaml: rule 'test.widget' is already defined in .*aa.yaml"):
        OfflineChecker(rules)


def test_requires_unless_and_softened_context(rules):
    _write_pack(rules, """
pack: ctx
rules:
  - id: ctx.requires
    category: off_brand_tone
    severity: medium
    terms: [zorp]
    requires_any: ['\\bglim\\b']
    message: m
    suggestion: s
  - id: ctx.unless
    category: off_brand_tone
    severity: medium
    terms: [quax]
    unless_any: ['\\bsafe word\\b']
    message: m
    suggestion: s
  - id: ctx.softened
    category: off_brand_tone
    severity: high
    terms: [blorb]
    softened_by: ['\\bhelpline\\b']
    softened_severity: low
    message: m
    suggestion: s
""")
    checker = OfflineChecker(rules)

    def ids(text):
        return {(r.rule_id, r.severity) for r in checker.find_risks(text)}

    assert ("ctx.requires", Severity.medium) not in ids("zorp alone")
    assert ("ctx.requires", Severity.medium) in ids("zorp with glim")
    assert ("ctx.unless", Severity.medium) in ids("quax here")
    assert not any(r == "ctx.unless" for r, _ in ids("quax with the safe word"))
    assert ("ctx.softened", Severity.high) in ids("blorb")
    assert ("ctx.softened", Severity.low) in ids("blorb, call our helpline")


def test_config_disables_rules_detectors_and_categories():
    base = {r.category for r in OfflineChecker().find_risks(NETFLIX)}
    assert {"surveillance_creep", "customer_shaming"} <= base
    # The classifier has learned these risks too: it is turned off by its own id.
    no_surveillance = OfflineChecker(config=CheckerConfig(disabled_rules=["surveillance", "classifier"]))
    assert "surveillance_creep" not in {r.category for r in no_surveillance.find_risks(NETFLIX)}
    no_shaming = OfflineChecker(config=CheckerConfig(disabled_categories=["customer_shaming"]))
    assert "customer_shaming" not in {r.category for r in no_shaming.find_risks(NETFLIX)}
    by_prefix = OfflineChecker(config=CheckerConfig(disabled_rules=["stereotype.", "classifier"]))
    assert by_prefix.find_risks("Women belong in the kitchen.") == []


def test_allow_terms_hide_words_from_every_rule():
    text = "Summer sale: our Beach Body Ready towel, 20% off"
    assert any(r.rule_id == "body.shaming-phrase" for r in OfflineChecker().find_risks(text))
    allowing = OfflineChecker(config=CheckerConfig(allow_terms=["Beach Body Ready towel"]))
    assert allowing.find_risks(text) == []


def test_severity_override_applies_to_rules_and_detectors():
    config = CheckerConfig(severity_overrides={"judgement.diagnoses-customers": "low"})
    risks = OfflineChecker(config=config).find_risks(NETFLIX)
    assert {r.severity for r in risks if r.rule_id == "judgement.diagnoses-customers"} == {Severity.low}


def test_brand_terms_count_as_promotion_next_to_a_tribute():
    # The rules alone: the classifier may well read a tribute with a cereal bowl as risky on
    # its own, which is not what this checks.
    tribute = "Rest in peace, legend. [image: a Crunchio bowl in purple light]"
    assert OfflineChecker(config=CheckerConfig(disabled_rules=["classifier"])).find_risks(tribute) == []
    branded = OfflineChecker(config=CheckerConfig(brand_terms=["Crunchios"], disabled_rules=["classifier"]))
    risks = branded.find_risks(tribute)
    assert {(r.category, r.evidence.quote) for r in risks} == {
        ("tragedy_exploitation", "Rest in peace"), ("tragedy_exploitation", "Crunchio")
    }
    assert branded.find_risks("Crunchios: now with more crunch.") == []


def test_config_file_from_settings_and_example_file(tmp_path):
    example = data_dir("rules") / "config.example.yaml"
    loaded = load_checker_config(example)
    assert "A Christmas Prince" in loaded.allow_terms
    config = tmp_path / "checker.yaml"
    config.write_text("disabled_rules: [judgement]\n", encoding="utf-8")
    checker = OfflineChecker.from_settings(Settings(_env_file=None, checker_config=config))
    assert "customer_shaming" not in {r.category for r in checker.find_risks(NETFLIX)}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("disabled_rule: [x]\n", r"checker.yaml: disabled_rule: Extra inputs"),
        ("severity_overrides: {x: enormous}\n", r"checker.yaml: severity_overrides.x"),
        ("- just\n- a list\n", r"checker.yaml: expected a mapping"),
    ],
)
def test_a_bad_config_file_is_named(tmp_path, content, expected):
    config = tmp_path / "checker.yaml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(RuleFileError, match=expected):
        load_checker_config(config)


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(RuleFileError, match=r"nope.yaml: file not found"):
        OfflineChecker(config_path=tmp_path / "nope.yaml")


def test_an_empty_config_file_means_defaults(tmp_path):
    config = tmp_path / "empty.yaml"
    config.write_text("", encoding="utf-8")
    assert load_checker_config(config) == CheckerConfig()


def test_terms_take_word_families_and_choices_without_regex(rules):
    _write_pack(rules, GOOD_RULE.replace("terms: [frobnicate widget]",
                                         "terms: ['zorp*', 'slit my/your wrist/wrists']"))
    checker = OfflineChecker(rules)

    def quotes(text):
        return [r.evidence.quote for r in checker.find_risks(text) if r.rule_id == "test.widget"]

    assert quotes("Zorping all day, a zorp-ish mood") == ["Zorping", "zorp"]
    assert quotes("slit your wrists, #SlitMyWrist") == ["slit your wrists", "SlitMyWrist"]
    assert quotes("a zor, a slit my throat, a slit his wrist, my/your") == []


def test_allow_terms_stay_literal_phrases():
    config = CheckerConfig(allow_terms=["24/7 beach body ready"])
    text = "Summer drop: 7 beach body ready looks"
    assert any(r.rule_id == "body.shaming-phrase" for r in OfflineChecker(config=config).find_risks(text))
