"""Human names for taxonomy category ids, for every output format."""

from __future__ import annotations

from collections.abc import Callable

from bot.review.models import Verdict

LabelFor = Callable[[str], str]

VERDICT_WORDS = {
    Verdict.ship: "ship",
    Verdict.revise: "revise",
    Verdict.do_not_post: "do not post",
}

VERDICT_MEANING = {
    Verdict.ship: "no risk worth a rewrite was found",
    Verdict.revise: "the idea can stay; the wording should change",
    Verdict.do_not_post: "the idea itself is the problem",
}


def humanize(category: str) -> str:
    """``customer_mockery`` -> ``Customer mockery``: the fallback when the taxonomy has no label."""
    words = category.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else category

