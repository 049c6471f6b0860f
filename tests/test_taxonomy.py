"""The taxonomy data file and its prompt rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.review.rule_files import RuleFileError
from bot.review.taxonomy import load_taxonomy

DATA = Path(__file__).parent / "data"


def _labelled_items() -> list[dict]:
    return [json.loads(line) for path in sorted(DATA.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_category_is_defined_with_all_its_parts_and_a_label_of_its_own():
    taxonomy = load_taxonomy()
    assert taxonomy.categories
    for category in taxonomy.categories:
        for part in (category.label, category.definition, category.example, category.who_is_hurt,
                     category.rewrite_strategy):
            assert len(part.strip()) > 10, (category.id, part)
    labels = [c.label.casefold() for c in taxonomy.categories]
    assert len(set(labels)) == len(labels), "two categories a reader cannot tell apart"


def test_every_category_the_labelled_data_names_is_defined():
    ids = set(load_taxonomy().ids)
    named = {c for item in _labelled_items() for c in item.get("risk_categories", [])}
    assert named, "the labelled data names categories"
    assert named <= ids, sorted(named - ids)


def test_every_category_the_checker_reports_is_defined(checker):
    ids = set(checker.taxonomy.ids)
    reported = {risk.category for item in _labelled_items() for risk in checker.find_risks(item["text"])}
    assert reported, "the labelled data gives the checker something to report"
    assert reported <= ids, sorted(reported - ids)


def test_a_comms_lead_can_add_a_category(rules):
    path = rules / "taxonomy.yaml"
    added = ("\n  - id: greenwashing\n    label: Greenwashing\n"
             "    definition: Claims a product is green without evidence anyone can check.\n"
             "    example: '\"Our new bottles are 100% planet-friendly!\"'\n"
             "    who_is_hurt: Customers who pay more for a promise that is not kept.\n"
             "    rewrite_strategy: Name the measured change and link to where it is shown.\n")
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + added, encoding="utf-8")
    taxonomy = load_taxonomy(rules)
    assert taxonomy.ids[-1] == "greenwashing" and len(taxonomy.ids) == len(load_taxonomy().ids) + 1
    assert taxonomy.get("greenwashing").label == "Greenwashing"
    assert "`greenwashing`" in taxonomy.as_prompt_text()


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


def test_a_broken_taxonomy_names_the_file(rules):
    (rules / "taxonomy.yaml").write_text("categories:\n  - id: x\n    label: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"taxonomy\.yaml: not valid YAML"):
        load_taxonomy(rules)


def test_a_category_missing_a_field_is_named(rules):
    (rules / "taxonomy.yaml").write_text(
        "categories:\n  - id: only_id\n    label: Only\n", encoding="utf-8"
    )
    with pytest.raises(RuleFileError, match=r"taxonomy.yaml: categories\.0\.definition"):
        load_taxonomy(rules)


def test_duplicate_category_is_rejected(rules):
    entry = ("  - id: twice\n    label: L\n    definition: D\n    example: E\n"
             "    who_is_hurt: W\n    rewrite_strategy: R\n")
    (rules / "taxonomy.yaml").write_text("categories:\n" + entry + entry, encoding="utf-8")
    with pytest.raises(RuleFileError, match="'twice' is defined twice"):
        load_taxonomy(rules)
