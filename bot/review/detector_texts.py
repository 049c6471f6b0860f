"""What the code detectors tell the writer, loaded from ``rules/detector_texts.yaml`` by rule id.

The detectors keep their logic, categories and severities in code; their words are data a comms
lead edits (see the file's header). Each detector module declares the rule ids it reports and
what each needs besides a message (``PARTNER``: a text for the supporting evidence; a category:
a text for a second category the same words fall under), so a missing or misspelt entry stops
the bot at start-up instead of in the middle of a review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.review.rule_files import RuleFileError, read_yaml, validated
from bot.review.taxonomy import Taxonomy

#: A detector's need for a supporting-evidence text (every other need is a category id).
PARTNER = "partner"

_MAIN = ""


@dataclass(frozen=True, slots=True)
class Said:
    """The words of one finding."""

    message: str
    suggestion: str | None = None
    rewrite: str | None = None


class _AlsoText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1)
    suggestion: str | None = None


class _RuleText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1)
    suggestion: str | None = None
    rewrite: str | None = None
    partner_message: str | None = Field(default=None, min_length=1)
    partner_suggestion: str | None = None
    also: dict[str, _AlsoText] = Field(default_factory=dict)


class DetectorTexts:
    """Texts by ``(rule id, category)``; the supporting evidence under ``(rule id, PARTNER)``."""

    def __init__(self, said: dict[tuple[str, str], Said]) -> None:
        self._said = said

    def said(self, rule_id: str, category: str, *, partner: bool = False) -> Said:
        if partner:
            return self._said[rule_id, PARTNER]
        return self._said.get((rule_id, category)) or self._said[rule_id, _MAIN]


def _texts_of(rule_id: str, text: _RuleText) -> dict[tuple[str, str], Said]:
    said = {(rule_id, _MAIN): Said(text.message, text.suggestion, text.rewrite)}
    if text.partner_message is not None:
        # Supporting evidence is never rewritten: the rewrite words replace the main words.
        said[rule_id, PARTNER] = Said(text.partner_message, text.partner_suggestion or text.suggestion)
    for category, also in text.also.items():
        said[rule_id, category] = Said(also.message, also.suggestion or text.suggestion, text.rewrite)
    return said


def load_detector_texts(
    path: Path, taxonomy: Taxonomy, needs: Mapping[str, tuple[str, ...]]
) -> DetectorTexts:
    """Load and check the texts; ``needs`` maps every rule id the code reports to what it needs."""
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise RuleFileError(f"{path}: expected a mapping of rule id -> message, suggestion, ...")
    said: dict[tuple[str, str], Said] = {}
    for rule_id, body in raw.items():
        name = repr(rule_id)
        if rule_id not in needs:
            raise RuleFileError(f"{path}: rule {name}: no detector in code reports this rule id "
                                f"(known: {', '.join(sorted(needs))})")
        text = validated(_RuleText, body, f"{path}: rule {name}")
        for category in text.also:
            taxonomy.require(category, f"{path}: rule {name}: also")
        for need in needs[rule_id]:
            if need == PARTNER and text.partner_message is None:
                raise RuleFileError(f"{path}: rule {name}: partner_message is missing "
                                    "(the detector also quotes supporting evidence)")
            if need != PARTNER and need not in text.also:
                raise RuleFileError(f"{path}: rule {name}: also: {need} is missing "
                                    f"(the detector also reports these words as {need})")
        said.update(_texts_of(rule_id, text))
    missing = [rule_id for rule_id in needs if rule_id not in raw]
    if missing:
        raise RuleFileError(f"{path}: no texts for rule(s) the detectors report: {', '.join(missing)}")
    return DetectorTexts(said)
