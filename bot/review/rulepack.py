"""Rule packs: readable YAML rules (id, category, severity, patterns, message, suggestion, reason).

Each file in ``rules/packs/`` holds one pack. Patterns are regular expressions matched,
case-insensitively, against the folded draft (see ``bot.review.text``); ``terms`` are plain
phrases in which a space matches any spacing or none, so "beach body" also finds #BeachBody.
Context keys let a rule look beyond its own words, which is what keeps word lists honest:

- ``requires_any``: the rule fires only if one of these patterns also occurs in the draft;
- ``unless_any``: the rule does not fire if one of these occurs (a safety PSA, a donation);
- ``softened_by`` + ``softened_severity``: the rule fires at a lower severity in that context;
- ``also``: more categories (with severities) the same words fall under;
- ``rewrite``: replacement words the offline rewrites may use for the matched words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.review.models import Severity
from bot.review.taxonomy import RuleFileError, Taxonomy, read_yaml, validated

_MAX_MATCHES_PER_RULE = 5


_ESCAPE = re.compile(r"\\.")


def case_blind(pattern: str) -> str:
    """``pattern`` made to match folded (lower-case) text.

    Drafts are matched in lower case, so patterns are compiled without IGNORECASE (several
    times faster); a pattern written with capital letters gets an inline ``(?i:...)``.
    """
    if any(c.isupper() for c in _ESCAPE.sub("", pattern)):
        return f"(?i:{pattern})"
    return f"(?:{pattern})"


def term_body(term: str) -> str:
    """A plain phrase as a regex body: spaces match any spacing, a hyphen, an underscore or none."""
    return r"[\s_-]*".join(re.escape(w) for w in term.lower().split())


def term_pattern(term: str) -> str:
    """A word-bounded regex for a plain phrase."""
    return r"(?<![a-z0-9])" + term_body(term) + r"(?![a-z0-9])"


def terms_pattern(terms: list[str]) -> str:
    """One word-bounded alternation of phrases (one boundary check, not one per phrase)."""
    return r"(?<![a-z0-9])(?:" + "|".join(term_body(t) for t in terms) + r")(?![a-z0-9])"


def compile_any(patterns: list[str], *, where: str) -> re.Pattern[str] | None:
    """One compiled alternation of ``patterns`` (None when empty); bad regexes name ``where``."""
    if not patterns:
        return None
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleFileError(f"{where}: bad pattern {pattern!r}: {exc}") from exc
    return re.compile("|".join(case_blind(p) for p in patterns))


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    category: str
    severity: Severity
    patterns: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    message: str
    suggestion: str
    reason: str = ""
    who: str | None = None
    requires_any: list[str] = Field(default_factory=list)
    unless_any: list[str] = Field(default_factory=list)
    softened_by: list[str] = Field(default_factory=list)
    softened_severity: Severity = Severity.low
    also: dict[str, Severity] = Field(default_factory=dict)
    rewrite: str | None = None
    #: Drafts the rule must flag and must let pass (``examples: {flag: [...], pass: [...]}``).
    examples: dict[Literal["flag", "pass"], list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_something_to_match(self) -> Rule:
        if not self.patterns and not self.terms:
            raise ValueError("a rule needs at least one of 'patterns' or 'terms'")
        return self


class RulePackFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str
    description: str = ""
    rules: list[Rule]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    source: Path
    match: re.Pattern[str]
    requires: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    softened: re.Pattern[str] | None

    def severity_in(self, folded: str) -> Severity | None:
        """The severity this rule has in the draft ``folded``, or None when context rules it out."""
        if self.requires is not None and self.requires.search(folded) is None:
            return None
        if self.unless is not None and self.unless.search(folded) is not None:
            return None
        if self.softened is not None and self.softened.search(folded) is not None:
            return self.rule.softened_severity
        return self.rule.severity

    def spans(self, folded: str) -> list[tuple[int, int]]:
        found = []
        for m in self.match.finditer(folded):
            if m.end() > m.start():
                found.append((m.start(), m.end()))
                if len(found) >= _MAX_MATCHES_PER_RULE:
                    break
        return found


def _compile_rule(rule: Rule, path: Path) -> CompiledRule:
    where = f"{path}: rule {rule.id!r}"
    terms = [terms_pattern(rule.terms)] if rule.terms else []
    match = compile_any(rule.patterns + terms, where=where)
    assert match is not None  # guaranteed by Rule's validator
    return CompiledRule(
        rule=rule,
        source=path,
        match=match,
        requires=compile_any(rule.requires_any, where=f"{where} (requires_any)"),
        unless=compile_any(rule.unless_any, where=f"{where} (unless_any)"),
        softened=compile_any(rule.softened_by, where=f"{where} (softened_by)"),
    )


def _rule_name(raw: object, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return repr(raw["id"])
    return f"#{index + 1}"


def load_pack(path: Path, taxonomy: Taxonomy) -> list[CompiledRule]:
    """Load and compile one pack; any problem raises RuleFileError naming the file and rule."""
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise RuleFileError(f"{path}: expected a mapping with 'pack' and a 'rules' list")
    compiled = []
    for index, raw_rule in enumerate(raw["rules"]):
        name = _rule_name(raw_rule, index)
        rule = validated(Rule, raw_rule, f"{path}: rule {name}")
        for category in [rule.category, *rule.also]:
            taxonomy.require(category, f"{path}: rule {name}")
        compiled.append(_compile_rule(rule, path))
    try:
        RulePackFile.model_validate({**raw, "rules": [c.rule.model_dump() for c in compiled]})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleFileError(f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
    return compiled


def load_packs(packs_dir: Path, taxonomy: Taxonomy) -> list[CompiledRule]:
    """All packs in ``packs_dir`` (sorted by file name); rule ids must be unique across packs."""
    if not packs_dir.is_dir():
        raise RuleFileError(f"{packs_dir}: rule pack folder not found")
    rules: list[CompiledRule] = []
    seen: dict[str, Path] = {}
    for path in sorted(packs_dir.glob("*.y*ml")):
        for compiled in load_pack(path, taxonomy):
            rule_id = compiled.rule.id
            if rule_id in seen:
                raise RuleFileError(f"{path}: rule {rule_id!r} is already defined in {seen[rule_id]}")
            seen[rule_id] = path
            rules.append(compiled)
    return rules
