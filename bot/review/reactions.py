"""Offline worst reactions: templates per category (rules/reactions.yaml) filled with the draft's words."""

from __future__ import annotations

import re
import string
from pathlib import Path

from pydantic import BaseModel, ValidationError

from bot.review.models import Risk, Severity, WorstReaction
from bot.review.taxonomy import RuleFileError, Taxonomy, read_yaml

_PLACEHOLDERS = {"quote", "number", "group"}
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_MAX_QUOTE = 90


class ReactionTemplate(BaseModel):
    persona: str
    reply: str

    @property
    def needs_number(self) -> bool:
        return "{number}" in self.reply


def _check_placeholders(path: Path, category: str, reply: str) -> None:
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(reply) if f is not None}
    except ValueError as exc:
        raise RuleFileError(f"{path}: {category}: bad template {reply!r}: {exc}") from exc
    unknown = fields - _PLACEHOLDERS
    if unknown:
        raise RuleFileError(
            f"{path}: {category}: unknown placeholder(s) {sorted(unknown)} in {reply!r} "
            f"(use {{quote}}, {{group}} or {{number}})"
        )
    if "quote" not in fields:
        raise RuleFileError(
            f"{path}: {category}: {reply!r} does not quote the draft: every reaction needs {{quote}}"
        )


def _group(who: str) -> str:
    """A finding's "who could be hurt" sentence as a phrase to put inside a reply."""
    phrase = " ".join(who.split()).rstrip(".")
    if phrase[:1].isupper() and not phrase[1:2].isupper():
        phrase = phrase[:1].lower() + phrase[1:]
    return phrase or "the people it is about"


def _short(quote: str) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= _MAX_QUOTE else quote[: _MAX_QUOTE - 1].rstrip() + "…"


class ReactionBook:
    def __init__(self, templates: dict[str, list[ReactionTemplate]]) -> None:
        self.templates = templates

    @classmethod
    def load(cls, path: Path, taxonomy: Taxonomy) -> ReactionBook:
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            raise RuleFileError(f"{path}: expected a mapping of category id -> reactions")
        templates: dict[str, list[ReactionTemplate]] = {}
        for category, entries in raw.items():
            taxonomy.require(category, str(path))
            if not isinstance(entries, list):
                raise RuleFileError(f"{path}: {category}: expected a list of {{persona, reply}}")
            parsed = []
            for index, entry in enumerate(entries):
                try:
                    template = ReactionTemplate.model_validate(entry)
                except ValidationError as exc:
                    raise RuleFileError(f"{path}: {category} #{index + 1}: {exc.errors()[0]['msg']}") from exc
                _check_placeholders(path, category, template.reply)
                parsed.append(template)
            templates[str(category)] = parsed
        return cls(templates)

    def worst_reactions(self, risks: list[Risk], limit: int = 3) -> list[WorstReaction]:
        """Up to ``limit`` reactions for the medium-or-worse risks, most severe category first,
        each from a different persona where possible."""
        serious = [r for r in risks if r.severity.rank >= Severity.medium.rank]
        order: list[str] = []
        for risk in sorted(serious, key=lambda r: -r.severity.rank):
            if risk.category not in order:
                order.append(risk.category)
        candidates: list[tuple[str, ReactionTemplate, dict[str, str]]] = []
        for category in order:
            mine = [r for r in serious if r.category == category]
            # Only the category's main words: a count of people, not a time of day next to it.
            numbers = _NUMBER.findall(mine[0].evidence.quote)
            values = {"quote": _short(mine[0].evidence.quote), "number": numbers[0] if numbers else "",
                      "group": _group(mine[0].who_could_be_hurt)}
            for template in self.templates.get(category, []):
                if template.needs_number and not numbers:
                    continue
                candidates.append((category, template, values))
        chosen: list[WorstReaction] = []
        personas: set[str] = set()
        categories: set[str] = set()
        # First pass: one per category with a fresh persona; then fill with what is left.
        for strict in (True, False):
            for category, template, values in candidates:
                if len(chosen) >= limit:
                    return chosen
                reply = template.reply.format(**values)
                if any(c.reply == reply for c in chosen):
                    continue
                if strict and (category in categories or template.persona in personas):
                    continue
                chosen.append(WorstReaction(persona=template.persona, reply=reply, category=category))
                personas.add(template.persona)
                categories.add(category)
        return chosen
