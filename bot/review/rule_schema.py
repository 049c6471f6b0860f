"""JSON Schemas of the rule files, generated from the models that load them.

Editors validate a rule file as it is typed when its first line names its schema
(``# yaml-language-server: $schema=../schema/rule-pack.schema.json`` in VS Code with the YAML
extension, and in any editor using yaml-language-server). The schemas in ``rules/schema/`` are
generated, never edited by hand: after changing a model, run ``python -m bot.review.rule_schema``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, RootModel

from bot.paths import data_dir
from bot.review.checker_config import CheckerConfig
from bot.review.rulepack import RulePackFile
from bot.review.taxonomy import Taxonomy

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


class LexiconsFile(RootModel[dict[str, list[Annotated[str, Field(min_length=1)]]]]):
    """Named word lists (rules/lexicons.yaml): each entry is matched as a whole word or phrase;
    a space in an entry also matches a hyphen, an underscore or no space (hashtags)."""


#: What each key of a rule means, for the editor's hover text (the models hold the types).
_RULE_HELP = {
    "id": "Unique id, lower case, dots to group (pack.name); shown in reviews and `redteam rules explain`.",
    "category": "One category id of rules/taxonomy.yaml.",
    "severity": "How bad the words are when the rule fires: low (a note), medium, high, critical.",
    "terms": "Plain words and phrases, matched as whole words, any case. A space also matches a hyphen, "
             "an underscore or no space (\"beach body\" finds #BeachBody); a word ending in * stands for "
             "every word that starts so (\"suicid*\"); a/b/c is any one of those words "
             "(\"slit my/your wrist/wrists\"). Prefer terms to patterns.",
    "patterns": "Regular expressions, for what terms cannot say (a word within a few words of another). "
                "Matched against the draft in lower case.",
    "message": "One sentence: what the rule saw.",
    "suggestion": "One sentence: what to do instead.",
    "reason": "Why it matters, and to whom.",
    "who": "Who could be hurt (default: the category's who_is_hurt).",
    "requires_any": "The rule fires only if one of these patterns also occurs in the draft.",
    "unless_any": "The rule does not fire if one of these patterns occurs (a safety message, a donation).",
    "softened_by": "If one of these patterns occurs, the rule fires at softened_severity instead.",
    "softened_severity": "The severity when a softened_by pattern occurs (default low).",
    "also": "More categories, with their severities, that the same words fall under.",
    "rewrite": "Replacement words the offline alternatives may use for the matched words.",
    "examples": "Drafts the rule must flag, and fine look-alikes it must let pass "
                "(`redteam rules test` runs them).",
}


def _with_help(schema: dict[str, Any]) -> dict[str, Any]:
    rule = schema.get("$defs", {}).get("Rule")
    if rule is not None:
        for key, text in _RULE_HELP.items():
            if key in rule["properties"]:
                rule["properties"][key].setdefault("description", text)
    return schema


def _schema(model: type[BaseModel], name: str, title: str) -> dict[str, Any]:
    body = _with_help(model.model_json_schema(by_alias=True))
    return {"$schema": _DRAFT, "$id": f"{name}.schema.json", **body, "title": title}


def schemas() -> dict[str, dict[str, Any]]:
    """Each schema by its file name in ``rules/schema/``."""
    made = {
        "rule-pack": _schema(RulePackFile, "rule-pack", "redteam rule pack (rules/packs/*.yaml)"),
        "taxonomy": _schema(Taxonomy, "taxonomy", "redteam risk taxonomy (rules/taxonomy.yaml)"),
        "lexicons": _schema(LexiconsFile, "lexicons", "redteam word lists (rules/lexicons.yaml)"),
        "checker-config": _schema(CheckerConfig, "checker-config",
                                  "redteam offline checker settings (REDTEAM_CHECKER_CONFIG)"),
    }
    return {f"{name}.schema.json": schema for name, schema in made.items()}


def render(schema: dict[str, Any]) -> str:
    """The committed form of a schema: sorted keys would reorder a rule's keys, so insertion order."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write(folder: Path) -> list[Path]:
    """Write every schema into ``folder``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(data_dir("rules") / "schema"):
        sys.stdout.write(f"wrote {path}\n")
