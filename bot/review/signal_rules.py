"""Signal-family combinations, loaded from ``rules/signals.yaml`` (the file's header has the format).

Everything is checked at load, so a comms lead's typo stops the bot at start-up with the file and
the combination named, never in the middle of a review: unknown keys, families that are not a
list in ``rules/lexicons.yaml`` (nor a group of the file), categories not in the taxonomy, finder
names the code does not have, and detector ids that clash with a detector in code.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.review.detectors.signals import FINDERS, Also, Combination, Families, Finder
from bot.review.models import Severity
from bot.review.rule_files import RuleFileError, read_yaml, validated
from bot.review.taxonomy import Taxonomy

_ID = r"^[a-z0-9][a-z0-9_.-]*$"
# What a combination whose pair a finder computes cannot also say.
_FAMILY_KEYS = ("anchor", "partners", "unless_any", "requires_near", "window", "first_anchor_only")


class _AlsoEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str
    quote: Literal["anchor", "partner"]
    message: str = Field(min_length=1)
    suggestion: str | None = None
    severity: Severity | None = None


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(pattern=_ID)
    detector: str | None = Field(default=None, pattern=_ID)
    category: str
    severity: Severity
    anchor: list[str] | None = None
    partners: list[str] | None = None
    unless_any: list[str] = Field(default_factory=list)
    requires_near: list[str] = Field(default_factory=list)
    window: int = Field(default=400, gt=0)
    first_anchor_only: bool = False
    finder: str | None = None
    message: str = Field(min_length=1)
    suggestion: str = Field(min_length=1)
    partner_message: str | None = Field(default=None, min_length=1)
    also: list[_AlsoEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_shape(self) -> _Entry:
        if self.finder is not None:
            given = [k for k in _FAMILY_KEYS if k in self.model_fields_set]
            if given:
                raise ValueError(f"a combination with a finder takes no {', '.join(given)} "
                                 "(the finder's code decides them)")
            if self.partner_message is None:
                raise ValueError("partner_message is required (a finder always quotes a partner)")
            return self
        if not self.anchor:
            raise ValueError("anchor needs at least one family")
        if self.partners is None:
            raise ValueError("partners is required (partners: [] when the anchor alone is enough)")
        if self.partners and self.partner_message is None:
            raise ValueError("partner_message is required when there are partners")
        if not self.partners and any(a.quote == "partner" for a in self.also):
            raise ValueError("also: 'quote: partner' needs partners")
        return self


def _entry_name(raw: object, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("rule"), str):
        return f"#{index + 1} ({raw['rule']!r})"
    return f"#{index + 1}"


def _unknown(kind: str, name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {kind} {name!r}{hint}"


class _Reader:
    """Turns validated entries into combinations, naming the file and the entry in every error."""

    def __init__(self, path: Path, taxonomy: Taxonomy, lexicons: Collection[str],
                 groups: dict[str, tuple[str, ...]]) -> None:
        self.path = path
        self.taxonomy = taxonomy
        self.lexicons = lexicons
        self.groups = groups

    def error(self, where: str, message: str) -> RuleFileError:
        return RuleFileError(f"{self.path}: {where}: {message}")

    def families(self, where: str, key: str, names: list[str]) -> Families:
        resolved = []
        for name in names:
            if name in self.groups:
                resolved.append(self.groups[name])
            elif name in self.lexicons:
                resolved.append((name,))
            else:
                known = [*self.lexicons, *self.groups]
                raise self.error(where, f"{key}: {_unknown('family', name, known)} "
                                        "(families are the lists in lexicons.yaml and the groups above)")
        return tuple(resolved)

    def names(self, where: str, key: str, names: list[str]) -> tuple[str, ...]:
        """The lexicon names of ``names``, groups spelt out (for keys where order does not matter)."""
        return tuple(name for entry in self.families(where, key, names) for name in entry)

    def category(self, where: str, category: str) -> str:
        return self.taxonomy.require(category, f"{self.path}: {where}")

    def combination(self, where: str, entry: _Entry, finders: Mapping[str, Finder]) -> Combination:
        finder = None
        if entry.finder is not None:
            finder = finders.get(entry.finder)
            if finder is None:
                raise self.error(where, f"finder: {_unknown('finder', entry.finder, finders)} "
                                        f"(known: {', '.join(finders)})")
        anchor = self.families(where, "anchor", entry.anchor or [])
        also = tuple(
            Also(self.category(where, a.category), a.severity or entry.severity, a.quote == "partner",
                 a.message, a.suggestion or entry.suggestion)
            for a in entry.also
        )
        return Combination(
            rule_id=entry.rule,
            category=self.category(where, entry.category),
            severity=entry.severity,
            message=entry.message,
            suggestion=entry.suggestion,
            partner_message=entry.partner_message or "",
            anchor=anchor,
            partners=self.families(where, "partners", entry.partners or []),
            unless=self.names(where, "unless_any", entry.unless_any),
            requires_near=self.names(where, "requires_near", entry.requires_near),
            window=entry.window,
            first_anchor_only=entry.first_anchor_only,
            finder=finder,
            also=also,
            lone_anchor=anchor[0][0] if len(anchor) == 1 and len(anchor[0]) == 1 else None,
        )


def _groups(path: Path, raw: object, lexicons: Collection[str]) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RuleFileError(f"{path}: groups: expected a mapping of group name -> families")
    groups = {}
    for name, members in raw.items():
        if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
            raise RuleFileError(f"{path}: group {name!r}: expected a list of families")
        if name in lexicons:
            raise RuleFileError(f"{path}: group {name!r}: already the name of a list in lexicons.yaml")
        for member in members:
            if member not in lexicons:
                raise RuleFileError(f"{path}: group {name!r}: {_unknown('family', member, lexicons)}")
        groups[str(name)] = tuple(members)
    return groups


def load_signals(
    path: Path,
    taxonomy: Taxonomy,
    lexicons: Collection[str],
    *,
    reserved: Collection[str] = (),
    finders: Mapping[str, Finder] = FINDERS,
) -> list[tuple[str, tuple[Combination, ...]]]:
    """The detectors of the file in order: ``(detector id, its combinations)``.

    ``lexicons``: the list names of ``rules/lexicons.yaml``; ``reserved``: the ids of the detectors
    in code, which a combination may not reuse (``disabled_rules`` would switch off both).
    """
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("combinations"), list):
        raise RuleFileError(f"{path}: expected a mapping with a 'combinations' list (and optional 'groups')")
    extra = sorted(str(k) for k in raw if k not in ("groups", "combinations"))
    if extra:
        raise RuleFileError(f"{path}: unknown top-level key(s): {', '.join(extra)} "
                            "(expected groups, combinations)")
    lexicon_names = frozenset(lexicons)
    reader = _Reader(path, taxonomy, lexicon_names, _groups(path, raw.get("groups"), lexicon_names))
    detectors: list[tuple[str, list[Combination]]] = []
    seen: dict[str, str] = {}
    for index, raw_entry in enumerate(raw["combinations"]):
        where = f"combination {_entry_name(raw_entry, index)}"
        entry = validated(_Entry, raw_entry, f"{path}: {where}")
        detector = entry.detector or entry.rule
        if detector in reserved:
            raise reader.error(where, f"detector id {detector!r} is taken by a detector in code")
        if detectors and detectors[-1][0] == detector:
            detectors[-1][1].append(reader.combination(where, entry, finders))
            continue
        if detector in seen:
            raise reader.error(where, f"detector {detector!r} continues {seen[detector]}, but another "
                                      "detector comes in between: write its combinations one after the other")
        seen[detector] = where
        detectors.append((detector, [reader.combination(where, entry, finders)]))
    return [(detector, tuple(combinations)) for detector, combinations in detectors]
