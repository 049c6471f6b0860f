"""Judgement quality, measured: recall on posts that drew backlash, false positives on fine ones,
grading and the alternatives offered.

Pure and front-end free: ``redteam eval`` (bot/cli) and the corpus regression test call it with
any review function (the offline checker, or the full ReviewService). A post counts as
*flagged* when its verdict is not ``ship``. ``mixed`` posts are reported apart, in neither rate.

* Grading accuracy: of the items that carry a ``deserved`` verdict, the share whose verdict is at
  least the deserved one (nothing is derived for items without it).
* Templated alternatives: the share of offered alternatives whose text (case and spacing aside)
  appears under two or more drafts of the set.
* Alternative problems: a rewrite that still holds a high-risk quote of its draft, or whose
  stated residual risk is below what the checker finds in it (``recheck``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.review.models import Draft, Review, Risk, RiskLevel, Severity, Verdict
from bot.review.rewrites import keeps_quote
from bot.review.rule_files import first_problem

Label = Literal["backlash", "fine", "mixed"]


class EvalItem(BaseModel):
    """One labelled post (extra fields of the corpus, such as ``what_happened``, are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    text: str
    label: Label
    risk_categories: list[str] = Field(default_factory=list)
    platform: str | None = None
    notes: str | None = None
    deserved: Verdict | None = Field(default=None, description="The verdict a senior reviewer would give.")


_VERDICT_RANK = {Verdict.ship: 0, Verdict.revise: 1, Verdict.do_not_post: 2}


class EvalOutcome(BaseModel):
    id: str
    label: Label
    verdict: Verdict
    flagged: bool
    expected: list[str] = Field(description="Categories the label names.")
    found: list[str] = Field(description="Categories the review reported at medium or above.")
    deserved: Verdict | None = None
    alternatives: list[str] = Field(default_factory=list, description="The alternatives' texts.")
    alternative_problems: list[str] = Field(default_factory=list)
    #: The draft's text, case and spacing aside: one draft reviewed with two different notes is
    #: still one draft, so an alternative under both is not a template. Empty: the id counts.
    draft: str = ""

    @property
    def graded_ok(self) -> bool | None:
        """Verdict at least the deserved one (None when the item has no deserved verdict)."""
        if self.deserved is None:
            return None
        return _VERDICT_RANK[self.verdict] >= _VERDICT_RANK[self.deserved]


class EvalFailure(BaseModel):
    id: str
    error: str


class CategoryRow(BaseModel):
    category: str
    n: int = Field(description="Backlash or mixed posts labelled with this category.")
    flagged: int = Field(description="Of those, how many were flagged at all.")
    named: int = Field(description="Of those, how many reviews named this category (medium or above).")


class EvalReport(BaseModel):
    recall: float | None = Field(description="Flagged backlash posts / backlash posts (None if none).")
    fp_rate: float | None = Field(description="Flagged fine posts / fine posts (None if none).")
    n_backlash: int
    n_fine: int
    n_mixed: int
    mixed_flagged: int = 0
    grading_accuracy: float | None = Field(
        default=None, description="Verdict at least the deserved one / items with a deserved verdict.")
    n_graded: int = 0
    under_graded: list[EvalOutcome] = Field(default_factory=list)
    n_alternatives: int = 0
    templated_share: float | None = Field(
        default=None, description="Alternatives whose text appears under 2+ drafts / alternatives.")
    templated: list[str] = Field(default_factory=list,
                                 description="Alternative texts under 2+ drafts (different texts).")
    n_templated: int = 0
    alternative_problems: list[str] = Field(default_factory=list)
    per_category: list[CategoryRow] = Field(default_factory=list)
    misses: list[EvalOutcome] = Field(default_factory=list)
    false_positives: list[EvalOutcome] = Field(default_factory=list)
    failed: list[EvalFailure] = Field(default_factory=list)
    outcomes: list[EvalOutcome] = Field(default_factory=list)

    def as_text(self) -> str:
        """A plain-text report: headline rates, the per-category table, misses, false positives."""
        def rate(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}"

        flagged_backlash = self.n_backlash - len(self.misses)
        lines = [
            f"Recall on backlash posts: {rate(self.recall)} ({flagged_backlash}/{self.n_backlash} flagged)",
            f"False-positive rate on fine posts: {rate(self.fp_rate)} "
            f"({len(self.false_positives)}/{self.n_fine} flagged)",
            f"Mixed posts (in neither rate): {self.mixed_flagged}/{self.n_mixed} flagged",
            f"Graded at least as deserved: {rate(self.grading_accuracy)} "
            f"({self.n_graded - len(self.under_graded)}/{self.n_graded} items with a deserved verdict)",
            f"Templated alternatives: {rate(self.templated_share)} "
            f"({self.n_templated}/{self.n_alternatives} alternatives appear under 2+ drafts)",
            f"Alternatives keeping a high-risk quote or understating their residual risk: "
            f"{len(self.alternative_problems)}",
        ]
        if self.per_category:
            width = max(len(r.category) for r in self.per_category)
            lines += ["", f"{'category'.ljust(width)}  posts  flagged  named"]
            for r in self.per_category:
                lines.append(f"{r.category.ljust(width)}  {r.n:5d}  {r.flagged:7d}  {r.named:5d}")
        if self.misses:
            lines += ["", "Missed (backlash, verdict ship):"]
            lines += [f"  - {m.id} (labelled: {', '.join(m.expected) or '-'})" for m in self.misses]
        if self.false_positives:
            lines += ["", "False positives (fine, flagged):"]
            lines += [f"  - {m.id}: {m.verdict.value} ({', '.join(m.found) or 'low risks only'})"
                      for m in self.false_positives]
        if self.under_graded:
            lines += ["", "Graded below the deserved verdict:"]
            lines += [f"  - {o.id}: {o.verdict.value}, deserved {o.deserved.value if o.deserved else '-'}"
                      for o in self.under_graded]
        if self.templated:
            lines += ["", "Alternative texts under 2+ drafts:"]
            lines += [f"  - {t[:100]}" for t in self.templated]
        if self.alternative_problems:
            lines += ["", "Alternative problems:"]
            lines += [f"  - {p}" for p in self.alternative_problems]
        if self.failed:
            lines += ["", "Failed to review:"]
            lines += [f"  - {f.id}: {f.error}" for f in self.failed]
        return "\n".join(lines)


def load_labelled(path: Path) -> list[EvalItem]:
    """Read a labelled JSONL file (blank lines and lines starting with ``#`` are skipped).

    Raises ValueError naming the file and every bad line (up to ten) when anything is wrong.
    """
    try:
        content = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the file: {exc}") from exc
    items: list[EvalItem] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            item = EvalItem.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg})")
            continue
        except ValidationError as exc:
            problems.append(f"line {number}: {first_problem(exc)}")
            continue
        if item.id in seen:
            problems.append(f"line {number}: duplicate id {item.id!r}")
            continue
        seen.add(item.id)
        items.append(item)
    if problems:
        shown = problems[:10]
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ValueError(f"{path}: {len(problems)} bad line(s){more}: " + "; ".join(shown))
    return items


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def alternative_problems(review: Review, recheck: Callable[[str], list[Risk]] | None = None) -> list[str]:
    """What is wrong with a review's alternatives: a rewrite that keeps a high-risk quote of the
    draft, or one whose stated residual risk is below what ``recheck`` finds in it."""
    problems: list[str] = []
    for alt in review.alternatives:
        if alt.kind != "rewrite":
            continue
        if keeps_quote(alt.text, review.risks):
            problems.append(f"keeps a high-risk quote: {alt.text[:80]!r}")
        if recheck is not None:
            found = RiskLevel.of(recheck(alt.text))
            if found.rank > alt.residual_risk.rank:
                problems.append(f"residual risk {alt.residual_risk.value}, the checker finds {found.value}: "
                                f"{alt.text[:80]!r}")
    return problems


def _outcome(item: EvalItem, review: Review,
             recheck: Callable[[str], list[Risk]] | None = None) -> EvalOutcome:
    found = sorted({r.category for r in review.risks if r.severity.rank >= Severity.medium.rank})
    return EvalOutcome(
        id=item.id,
        label=item.label,
        verdict=review.verdict,
        flagged=review.verdict is not Verdict.ship,
        expected=list(item.risk_categories),
        found=found,
        deserved=item.deserved,
        alternatives=[a.text for a in review.alternatives],
        alternative_problems=[f"{item.id}: {p}" for p in alternative_problems(review, recheck)],
        draft=_key(item.text),
    )


def report_for(outcomes: list[EvalOutcome], failed: Iterable[EvalFailure] = ()) -> EvalReport:
    """The report for already-computed outcomes (pure; ``evaluate`` uses it)."""
    backlash = [o for o in outcomes if o.label == "backlash"]
    fine = [o for o in outcomes if o.label == "fine"]
    mixed = [o for o in outcomes if o.label == "mixed"]
    rows: dict[str, CategoryRow] = {}
    for o in backlash + mixed:
        for category in o.expected:
            row = rows.setdefault(category, CategoryRow(category=category, n=0, flagged=0, named=0))
            row.n += 1
            row.flagged += int(o.flagged)
            row.named += int(category in o.found)
    graded = [o for o in outcomes if o.deserved is not None]
    drafts_by_text: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    n_alternatives = 0
    for o in outcomes:
        for text in o.alternatives:
            n_alternatives += 1
            drafts_by_text.setdefault(_key(text), set()).add(o.draft or o.id)
            shown.setdefault(_key(text), text)
    templated = {k for k, ids in drafts_by_text.items() if len(ids) >= 2}
    n_templated = sum(1 for o in outcomes for t in o.alternatives if _key(t) in templated)
    return EvalReport(
        recall=sum(o.flagged for o in backlash) / len(backlash) if backlash else None,
        fp_rate=sum(o.flagged for o in fine) / len(fine) if fine else None,
        n_backlash=len(backlash),
        n_fine=len(fine),
        n_mixed=len(mixed),
        mixed_flagged=sum(o.flagged for o in mixed),
        grading_accuracy=sum(bool(o.graded_ok) for o in graded) / len(graded) if graded else None,
        n_graded=len(graded),
        under_graded=[o for o in graded if not o.graded_ok],
        n_alternatives=n_alternatives,
        templated_share=n_templated / n_alternatives if n_alternatives else None,
        n_templated=n_templated,
        templated=sorted(shown[k] for k in templated),
        alternative_problems=[p for o in outcomes for p in o.alternative_problems],
        per_category=sorted(rows.values(), key=lambda r: (-r.n, r.category)),
        misses=[o for o in backlash if not o.flagged],
        false_positives=[o for o in fine if o.flagged],
        failed=list(failed),
        outcomes=outcomes,
    )


async def evaluate(
    items: list[EvalItem],
    review_fn: Callable[[Draft], Awaitable[Review]],
    concurrency: int = 8,
    recheck: Callable[[str], list[Risk]] | None = None,
) -> EvalReport:
    """Review every item (at most ``concurrency`` at a time) and measure the verdicts.

    ``recheck``: the offline checker's ``find_risks``, to test each rewrite's stated residual risk.

    One item's failure never aborts the run: it is listed in ``failed`` with its message and
    left out of the rates.
    """
    limit = asyncio.Semaphore(max(1, concurrency))
    results: list[EvalOutcome | EvalFailure | None] = [None] * len(items)

    async def run(index: int, item: EvalItem) -> None:
        async with limit:
            try:
                review = await review_fn(Draft(text=item.text, platform=item.platform, notes=item.notes,
                                               id=item.id))
                results[index] = _outcome(item, review, recheck)
            except Exception as exc:  # one bad item must not sink the whole evaluation
                results[index] = EvalFailure(id=item.id, error=str(exc) or type(exc).__name__)

    await asyncio.gather(*(run(i, item) for i, item in enumerate(items)))
    outcomes = [r for r in results if isinstance(r, EvalOutcome)]
    failures = [r for r in results if isinstance(r, EvalFailure)]
    return report_for(outcomes, failures)
