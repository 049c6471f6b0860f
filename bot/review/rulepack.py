"""Rule packs: readable YAML rules (id, category, severity, patterns, message, suggestion, reason).

Each file in ``rules/packs/`` holds one pack. Patterns are regular expressions matched,
case-insensitively, against the folded draft (see ``bot.review.text``); ``terms`` are plain
phrases in which a space matches any spacing or none, so "beach body" also finds #BeachBody,
a word ending in ``*`` stands for a word family ("suicid*") and ``a/b`` for either word.
Context keys let a rule look beyond its own words, which is what keeps word lists honest:

- ``requires_any``: the rule fires only if one of these patterns also occurs in the draft;
- ``unless_any``: the rule does not fire if one of these occurs (a safety PSA, a donation);
- ``softened_by`` + ``softened_severity``: the rule fires at a lower severity in that context;
- ``also``: more categories (with severities) the same words fall under;
- ``rewrite``: replacement words the offline rewrites may use for the matched words;
- ``on_platforms``: a different severity where the draft's platform changes the risk (crude
  slang is a note on TikTok and a problem on LinkedIn), with the reason shown in the finding.

``examples`` hold drafts the rule must flag and look-alikes it must let pass; ``redteam rules
test`` runs them (see ``bot.review.rule_examples``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.review.matching import (
    WORD_EDGE,
    Alternative,
    Pattern,
    PatternError,
    alternatives_of,
    check_python_syntax,
)
from bot.review.models import Severity
from bot.review.rule_files import RuleFileError, read_yaml, validated
from bot.review.taxonomy import Taxonomy

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


def _rule_word(word: str) -> str:
    # "suicid*" is a word family: every word that starts with "suicid".
    if len(word) > 1 and word.endswith("*"):
        return re.escape(word[:-1]) + r"[a-z0-9']*"
    return re.escape(word)


def _rule_word_choice(word: str) -> str:
    # "hang/hanging/hanged" is one word of several spellings.
    choices = word.split("/")
    if len(choices) == 1 or not all(choices):
        return _rule_word(word)
    return "(?:" + "|".join(_rule_word(c) for c in choices) + ")"


def rule_term_body(term: str) -> str:
    """A rule's term as a regex body: ``term_body``, where a word ending in ``*`` stands for every
    word that starts so, and ``a/b/c`` for any one of those words."""
    return r"[\s_-]*".join(_rule_word_choice(w) for w in term.lower().split())


def _word_edge(choices: str, index: int) -> bool:
    return all(c and (c[index].isalnum() or c[index] == "*") for c in choices.split("/"))


def rule_terms_pattern(terms: list[str]) -> str:
    """A rule's terms as one alternation, each bounded by ``\b`` on its word edges.

    ``\b`` rather than a look-around: the scanner skips ahead on it, which keeps a pack of plain
    terms as fast as the regular expressions they replace.
    """
    bodies = []
    for term in terms:
        words = term.lower().split()
        start = r"\b" if words and _word_edge(words[0], 0) else ""
        end = r"\b" if words and _word_edge(words[-1], -1) else ""
        bodies.append(start + rule_term_body(term) + end)
    return "|".join(bodies)


def terms_alternative(terms: list[str]) -> Alternative:
    """One word-bounded alternation of phrases (one boundary check, not one per phrase)."""
    return Alternative("|".join(term_body(t) for t in terms), WORD_EDGE, WORD_EDGE)


def compile_any(patterns: list[str], *, where: str, terms: list[str] | None = None,
                check: bool = True) -> Pattern | None:
    """One compiled alternation of ``patterns`` and ``terms`` (None when both are empty).

    A pattern that is not a regex, or that needs what linear-time matching lacks (look-around,
    back-references), raises RuleFileError naming ``where`` and the pattern. ``check=False``
    skips compiling each pattern alone, for rule files already checked (``bot.review.rule_cache``).
    """
    if not patterns and not terms:
        return None
    alternatives = []
    for pattern in patterns:
        try:
            if check:
                check_python_syntax(pattern)
            own = [Alternative(case_blind(a.body), a.before, a.after, a.not_after)
                   for a in alternatives_of(pattern)]
            if check:
                Pattern(own).check()
        except (re.error, PatternError) as exc:
            raise RuleFileError(f"{where}: bad pattern {pattern!r}: {exc}") from exc
        alternatives += own
    if terms:
        alternatives.append(terms_alternative(terms))
    return Pattern(alternatives)


class RuleExamples(BaseModel):
    """Drafts a rule must report at its own severity (``flag``), and fine look-alikes (``pass``):
    the rule stays quiet or its ``softened_by`` context lowers it, and the checker ships them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    flag: list[str] = Field(default_factory=list, description="drafts the rule must report")
    pass_: list[str] = Field(default_factory=list, alias="pass",
                             description="fine look-alike drafts the rule must let pass")


class PlatformRisk(BaseModel):
    """How a rule's risk changes on one platform, and why (shown in the finding)."""

    model_config = ConfigDict(extra="forbid")

    severity: Severity = Field(description="the rule's severity on this platform")
    why: str = Field(min_length=1, description="why the platform changes the risk, for the writer")


def platform_key(platform: str | None) -> str:
    """A draft's platform as rules name it: lower case, letters only ("LinkedIn " -> "linkedin")."""
    return re.sub(r"[^a-z/]+", "", platform.casefold()) if platform else ""


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
    on_platforms: dict[str, PlatformRisk] = Field(
        default_factory=dict,
        description="platform name (linkedin, tiktok, ...) -> the severity there and why",
    )
    examples: RuleExamples = Field(default_factory=RuleExamples)

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
    match: Pattern
    requires: Pattern | None
    unless: Pattern | None
    softened: Pattern | None

    def severity_in(self, folded: str) -> Severity | None:
        """The severity this rule has in the draft ``folded``, or None when context rules it out."""
        if self.requires is not None and self.requires.search(folded) is None:
            return None
        if self.unless is not None and self.unless.search(folded) is not None:
            return None
        if self.softened is not None and self.softened.search(folded) is not None:
            return self.rule.softened_severity
        return self.rule.severity

    def on_platform(self, platform: str | None) -> tuple[str, PlatformRisk] | None:
        """The rule's risk on ``platform`` (a draft's platform field), if the rule names it."""
        key = platform_key(platform)
        if not key or not self.rule.on_platforms:
            return None
        for name, risk in self.rule.on_platforms.items():
            # "twitter/facebook" is posted on both: either platform's risk applies.
            if platform_key(name) in key.split("/"):
                return name, risk
        return None

    def spans(self, folded: str) -> list[tuple[int, int]]:
        found = []
        for start, end in self.match.spans(folded):
            if end > start:
                found.append((start, end))
                if len(found) >= _MAX_MATCHES_PER_RULE:
                    break
        return found


def _compile_rule(rule: Rule, path: Path, check: bool) -> CompiledRule:
    where = f"{path}: rule {rule.id!r}"
    terms = [rule_terms_pattern(rule.terms)] if rule.terms else []
    match = compile_any(rule.patterns + terms, where=where, check=check)
    assert match is not None  # guaranteed by Rule's validator
    return CompiledRule(
        rule=rule,
        source=path,
        match=match,
        requires=compile_any(rule.requires_any, where=f"{where} (requires_any)", check=check),
        unless=compile_any(rule.unless_any, where=f"{where} (unless_any)", check=check),
        softened=compile_any(rule.softened_by, where=f"{where} (softened_by)", check=check),
    )


def _rule_name(raw: object, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return repr(raw["id"])
    return f"#{index + 1}"


def load_pack(path: Path, taxonomy: Taxonomy, *, check: bool = True) -> list[CompiledRule]:
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
        compiled.append(_compile_rule(rule, path, check))
    try:
        RulePackFile.model_validate({**raw, "rules": [c.rule.model_dump(by_alias=True) for c in compiled]})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleFileError(f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
    return compiled


def load_packs(packs_dir: Path, taxonomy: Taxonomy, *, check: bool = True) -> list[CompiledRule]:
    """All packs in ``packs_dir`` (sorted by file name); rule ids must be unique across packs."""
    if not packs_dir.is_dir():
        raise RuleFileError(f"{packs_dir}: rule pack folder not found")
    rules: list[CompiledRule] = []
    seen: dict[str, Path] = {}
    for path in sorted(packs_dir.glob("*.y*ml")):
        for compiled in load_pack(path, taxonomy, check=check):
            rule_id = compiled.rule.id
            if rule_id in seen:
                raise RuleFileError(f"{path}: rule {rule_id!r} is already defined in {seen[rule_id]}")
            seen[rule_id] = path
            rules.append(compiled)
    return rules
