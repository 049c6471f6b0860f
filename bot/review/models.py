"""The review contract: ``Draft -> Review``.

This JSON shape is shared by the command line, the Slack and Teams apps, the store and
other programs. Field names are part of the public contract: add fields, never rename.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1"


# The one severity scale, lowest first: ``rank`` is the position here. A draft's overall risk is
# any level; a risk's severity (``Severity``) any level but ``none``. (Docstrings of these enums
# go into the published JSON schemas, so the explanation lives in comments.)
class RiskLevel(StrEnum):
    """The overall risk of a draft: the highest severity among its risks, or ``none``."""

    none = "none"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]  # a StrEnum member hashes as its value; .value is a slower descriptor

    @classmethod
    def of(cls, risks: list[Risk]) -> RiskLevel:
        """The highest severity among ``risks``, or ``none``."""
        return max((r.severity.level for r in risks), key=lambda level: level.rank, default=cls.none)


# A risk's severity: a level of the scale above ``none``, by the same name and rank. A class of
# its own so that a risk can never be typed, validated or offered to the LLM as ``none``; its
# values are taken from the scale, and the check below fails at import if the two drift apart.
class Severity(StrEnum):
    low = RiskLevel.low.value
    medium = RiskLevel.medium.value
    high = RiskLevel.high.value
    critical = RiskLevel.critical.value

    @property
    def rank(self) -> int:
        return _RANK[self]  # a StrEnum member hashes as its value; .value is a slower descriptor

    @property
    def level(self) -> RiskLevel:
        return RiskLevel(self.value)


_RANK = {level.value: rank for rank, level in enumerate(RiskLevel)}
if [s.value for s in Severity] != [level.value for level in RiskLevel][1:]:
    raise TypeError("Severity must be the levels of RiskLevel above none, in the same order")


class Verdict(StrEnum):
    ship = "ship"
    revise = "revise"
    do_not_post = "do_not_post"


#: Which part of the product produced a finding. ``both`` = the offline checker found it and
#: the LLM confirmed it.
Engine = Literal["offline", "llm", "both"]


class Draft(BaseModel):
    """A post someone intends to publish, as it would be published."""

    model_config = ConfigDict(extra="ignore")

    text: str
    platform: str | None = Field(default=None, description="twitter, instagram, linkedin, tiktok, ...")
    notes: str | None = Field(default=None, description="Context from the author: campaign, timing, image.")
    id: str | None = None


class Evidence(BaseModel):
    """The exact words in the draft that carry a risk, and where they are (``text[start:end]``)."""

    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _span_is_ordered(self) -> Evidence:
        if self.end < self.start:
            raise ValueError("evidence end comes before its start")
        return self

    @classmethod
    def locate(cls, text: str, quote: str) -> Evidence | None:
        """The first exact occurrence of ``quote`` in ``text``, or None when it is not there."""
        if not quote:
            return None
        at = text.find(quote)
        if at < 0:
            return None
        return cls(quote=quote, start=at, end=at + len(quote))


class Risk(BaseModel):
    category: str = Field(description="A category id from the taxonomy (rules/taxonomy.yaml).")
    severity: Severity
    evidence: Evidence
    explanation: str = Field(description="Why these words are risky.")
    who_could_be_hurt: str = Field(description="Who could be hurt or offended.")
    suggestion: str = Field(description="How to fix it.")
    rule_id: str | None = Field(default=None, description="The offline rule or detector that fired.")
    engine: Engine = "offline"


class WorstReaction(BaseModel):
    persona: str = Field(description="Who says it: an offended customer, a privacy advocate, a headline...")
    reply: str = Field(description="The reply as it would be posted.")
    category: str | None = None
    engine: Engine = "offline"


class Alternative(BaseModel):
    text: str
    what_changed: str
    residual_risk: RiskLevel = RiskLevel.none
    residual_risks: list[Risk] = Field(default_factory=list)
    engine: Engine = "offline"
    kind: Literal["rewrite", "advice"] = Field(
        default="rewrite",
        description='"rewrite": a version of the post to publish; "advice": what to do instead when no '
        "rewording is safe (not a post; it has no residual risk of its own).",
    )


class Review(BaseModel):
    schema_version: str = SCHEMA_VERSION
    draft: Draft
    verdict: Verdict
    risk_level: RiskLevel
    summary: str = ""
    risks: list[Risk] = Field(default_factory=list)
    worst_reactions: list[WorstReaction] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    engines: list[str] = Field(
        default_factory=list, description='Engines that took part, e.g. ["offline", "llm:gpt-4o-mini"].'
    )
    notices: list[str] = Field(default_factory=list, description='Plain-language notes, e.g. "offline only".')
    prompt_version: str | None = None
    model: str | None = None
    usage: dict[str, int] | None = Field(default=None, description="Token counts of the LLM call, if any.")


class Scope(StrEnum):
    """What carries a category's harm: the idea itself (no rewording saves it) or the wording."""

    idea = "idea"
    wording = "wording"


class Grading(BaseModel):
    """How a category's risks grade a draft (``grading`` in rules/taxonomy.yaml).

    ``scope: idea``: a risk at or above ``floor`` means the idea itself is the harm (do not post);
    below the floor, a medium risk still asks for a revision. ``scope: wording``: a risk at or
    above ``floor`` asks for a revision; below it, it is a note. A critical risk of any category
    is never a matter of wording. ``because`` completes "Do not post: the idea itself is the harm,
    ..." for the idea scope; ``revise`` replaces "the wording carries the risk ...; the idea can
    stay" where a revision means something else (a post made wrong by its moment can wait).
    """

    model_config = ConfigDict(extra="forbid")

    scope: Scope = Scope.wording
    floor: Severity = Severity.medium
    because: str = ""
    revise: str = Field(default="", description='Completes "Revise: ..." when a revision of this '
                        'category means more than new words (for example: the post can wait).')


_DEFAULT_GRADING = Grading()


def grade_of(risk: Risk, grading: Mapping[str, Grading]) -> Verdict:
    """The verdict one risk deserves on its own, by its category's grading."""
    rule = grading.get(risk.category, _DEFAULT_GRADING)
    if risk.severity is Severity.critical:
        return Verdict.do_not_post
    if rule.scope is Scope.idea:
        if risk.severity.rank >= rule.floor.rank:
            return Verdict.do_not_post
        return Verdict.revise if risk.severity.rank >= Severity.medium.rank else Verdict.ship
    if risk.severity.rank >= max(rule.floor.rank, Severity.medium.rank):
        return Verdict.revise
    return Verdict.ship


@cache
def _project_grading() -> Mapping[str, Grading]:
    from bot.review.taxonomy import load_taxonomy  # the taxonomy module reads the rules folder

    return load_taxonomy().grading


def deciding_risk(risks: list[Risk], grading: Mapping[str, Grading] | None = None) -> Risk | None:
    """The risk that sets the verdict (the first of the gravest grade), or None when all ship."""
    table = _project_grading() if grading is None else grading
    best: Risk | None = None
    best_rank = 0
    for risk in risks:
        rank = _VERDICT_RANK[grade_of(risk, table)]
        if rank > best_rank or (rank == best_rank and best is not None
                                and risk.severity.rank > best.severity.rank):
            best, best_rank = risk, rank
    return best


def verdict_for(risks: list[Risk], grading: Mapping[str, Grading] | None = None) -> Verdict:
    """The verdict a set of risks deserves: the gravest grade of any one of them.

    The verdict follows the kind of risk, not how many fired: "do not post" when the idea
    itself is the harm (an idea-scope category at or above its floor, or any critical risk),
    "revise" when the wording carries the risk, "ship" when only notes are left. ``grading``
    maps category ids to their grading (default: the project's rules/taxonomy.yaml).
    """
    decider = deciding_risk(risks, grading)
    if decider is None:
        return Verdict.ship
    return grade_of(decider, _project_grading() if grading is None else grading)


_VERDICT_RANK = {Verdict.ship: 0, Verdict.revise: 1, Verdict.do_not_post: 2}


class ReviewDelta(BaseModel):
    """How a revised draft's review compares with the previous one in the thread."""

    risk_level_before: RiskLevel
    risk_level_after: RiskLevel
    verdict_before: Verdict
    verdict_after: Verdict
    resolved: list[str] = Field(default_factory=list, description="Categories no longer present.")
    new: list[str] = Field(default_factory=list, description="Categories that appeared.")
    remaining: list[str] = Field(default_factory=list)

    @property
    def headline(self) -> str:
        before = self.risk_level_before.value.capitalize()
        after = self.risk_level_after.value.capitalize()
        parts = [f"{before} → {after}"]
        if self.resolved:
            parts.append(", ".join(c.replace("_", " ") for c in self.resolved) + " resolved")
        if self.new:
            parts.append("new: " + ", ".join(c.replace("_", " ") for c in self.new))
        return ": ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if len(parts) > 2 else "")

    @classmethod
    def between(cls, before: Review, after: Review) -> ReviewDelta:
        cats_before = {r.category for r in before.risks}
        cats_after = {r.category for r in after.risks}
        return cls(
            risk_level_before=before.risk_level,
            risk_level_after=after.risk_level,
            verdict_before=before.verdict,
            verdict_after=after.verdict,
            resolved=sorted(cats_before - cats_after),
            new=sorted(cats_after - cats_before),
            remaining=sorted(cats_before & cats_after),
        )


class ThreadMessage(BaseModel):
    author: str = Field(description="A display name or user id; 'redteam' for the bot's own messages.")
    text: str


class ThreadContext(BaseModel):
    """What a thread holds when a teammate asks a question in it."""

    draft: Draft
    review: Review
    messages: list[ThreadMessage] = Field(default_factory=list)
