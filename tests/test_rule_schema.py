"""rules/schema/*.json: generated from the loaders' models, named by every rule file, and true to them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.paths import data_dir
from bot.review.rule_schema import render, schemas

RULES = data_dir("rules")
SCHEMA_DIR = RULES / "schema"

#: Each rule file and the schema its first line must name (relative to the file).
FILES = [
    *[(path, "rule-pack.schema.json") for path in sorted((RULES / "packs").glob("*.yaml"))],
    (RULES / "taxonomy.yaml", "taxonomy.schema.json"),
    (RULES / "lexicons.yaml", "lexicons.schema.json"),
    (RULES / "config.example.yaml", "checker-config.schema.json"),
]


@pytest.mark.parametrize("name", sorted(schemas()))
def test_the_committed_schema_is_the_generated_one(name):
    committed = SCHEMA_DIR / name
    assert committed.is_file(), f"run: python -m bot.review.rule_schema (missing {committed})"
    assert committed.read_text(encoding="utf-8") == render(schemas()[name]), (
        f"{committed} is out of date: run python -m bot.review.rule_schema")


def test_no_stale_schema_files():
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(schemas())


@pytest.mark.parametrize(("path", "schema_name"), FILES, ids=lambda v: getattr(v, "name", v))
def test_every_rule_file_names_its_schema_and_is_valid_against_it(path: Path, schema_name: str):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    named = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
    assert named == (SCHEMA_DIR / schema_name).resolve()
    schema = json.loads(named.read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def _pack_schema() -> dict[str, object]:
    return json.loads((SCHEMA_DIR / "rule-pack.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ({"severity": "extreme"}, "'extreme' is not one of"),
        ({"examples": {"flag": ["x"], "fail": ["y"]}}, "'fail' was unexpected"),
        ({"colour": "blue"}, "'colour' was unexpected"),
        ({"terms": "beach body"}, "is not of type 'array'"),
    ],
)
def test_the_pack_schema_rejects_what_the_loader_rejects(rule, complaint):
    good = {"id": "x.y", "category": "off_brand_tone", "severity": "medium", "terms": ["zorp"],
            "message": "m", "suggestion": "s"}
    jsonschema.validate({"pack": "p", "rules": [good]}, _pack_schema())
    with pytest.raises(jsonschema.ValidationError, match=complaint):
        jsonschema.validate({"pack": "p", "rules": [{**good, **rule}]}, _pack_schema())


def test_rule_keys_carry_help_for_the_editor():
    rule = _pack_schema()["$defs"]["Rule"]  # type: ignore[index]
    assert all(prop.get("description") for prop in rule["properties"].values())
