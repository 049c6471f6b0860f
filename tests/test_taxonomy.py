"""The taxonomy data file and its prompt rendering."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.paths import data_dir
from bot.review.rule_files import RuleFileError
from bot.review.taxonomy import load_taxonomy

REQUIRED_IDS = {
    "surveillance_creep", "customer_shaming", "punching_down", "tragedy_exploitation",
    "insensitive_timing", "hashtag_hijack", "stereotype_bias", "politics_religion", "sarcasm_misfire",
    "off_brand_tone", "privacy_disclosure", "misinformation_claims", "trivializing_social_cause",
    "prompt_injection",
}


def test_every_required_category_is_defined_with_all_its_parts():
    taxonomy = load_taxonomy()
    assert set(taxonomy.ids) == REQUIRED_IDS
    for category in taxonomy.categories:
        for part in (category.label, category.definition, category.example, category.who_is_hurt,
                     category.rewrite_strategy):
            assert len(part.strip()) > 10, (category.id, part)


def test_get_returns_the_category_and_names_known_ids_when_unknown():
    taxonomy = load_taxonomy()
    assert taxonomy.get("surveillance_creep").label == "Surveillance creep"
    with pytest.raises(KeyError, match="surveillance_creep"):
        taxonomy.get("no_such_category")
    assert taxonomy.label("no_such_category") == "no such category"


def test_prompt_text_lists_every_category_with_definition_and_strategy():
    taxonomy = load_taxonomy()
    text = taxonomy.as_prompt_text()
    for category in taxonomy.categories:
        assert f"`{category.id}`" in text
        assert category.rewrite_strategy in text


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), target)
    return target


def test_a_broken_taxonomy_names_the_file(tmp_path):
    rules = _copy_rules(tmp_path)
    (rules / "taxonomy.yaml").write_text("categories:\n  - id: x\n    label: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"taxonomy\.yaml: not valid YAML"):
        load_taxonomy(rules)


def test_a_category_missing_a_field_is_named(tmp_path):
    rules = _copy_rules(tmp_path)
    (rules / "taxonomy.yaml").write_text(
        "categories:\n  - id: only_id\n    label: Only\n", encoding="utf-8"
    )
    with pytest.raises(RuleFileError, match=r"taxonomy.yaml: categories\.0\.definition"):
        load_taxonomy(rules)


def test_duplicate_category_is_rejected(tmp_path):
    rules = _copy_rules(tmp_path)
    entry = ("  - id: twice\n    label: L\n    definition: D\n    example: E\n"
             "    who_is_hurt: W\n    rewrite_strategy: R\n")
    (rules / "taxonomy.yaml").write_text("categories:\n" + entry + entry, encoding="utf-8")
    with pytest.raises(RuleFileError, match="'twice' is defined twice"):
        load_taxonomy(rules)
