"""Is a teammate's message in a review thread a question or a revised draft?

Pure and deliberately simple: people who ask end with "?" or open with a question word; a
revised post rarely does either. Ambiguous cases (a post that itself asks "Who hurt you?")
are settled by a label — "Revised: ...", "v2: ..." — or by quoting the post, which the
README tells people to do. A wrong guess costs little: the reply shows which it did.
"""

from __future__ import annotations

import re
from typing import Literal

Followup = Literal["question", "revision"]

_QUESTION_OPENERS = (
    "what",
    "what's",
    "whats",
    "why",
    "why's",
    "how",
    "how's",
    "who",
    "who's",
    "whom",
    "whose",
    "which",
    "when",
    "where",
    "where's",
    "is",
    "isn't",
    "are",
    "aren't",
    "was",
    "were",
    "do",
    "does",
    "doesn't",
    "don't",
    "did",
    "didn't",
    "can",
    "can't",
    "could",
    "couldn't",
    "should",
    "shouldn't",
    "would",
    "wouldn't",
    "will",
    "won't",
    "may",
    "might",
    "shall",
    "must",
    "explain",
    "tell me",
    "any idea",
    "thoughts",
    "wdyt",
    "help me understand",
    "is it ok",
)

#: "Revised: ...", "New version - ...", "How about: ..." — the author says it is a draft.
_REVISION_LABEL = re.compile(
    r"^(?:revised|revision|rewrite|rewritten|new version|new draft|updated?|update|edit|edited|"
    r"v\d+|version \d+|take \d+|draft|try(?: this)?|how about(?: this)?|what about(?: this)?|"
    r"alternative|option \w+)\s*[:\-–—]",
    re.IGNORECASE,
)

# Slack mentions/links at the start (<@U123>) and emphasis marks are not words.
_LEADING_NOISE = re.compile(r"^(?:\s|<[^>]*>|[*_~`(\[])+")
_TRAILING_NOISE = re.compile(r"[\s)\]*_~`.!]+$")
_QUOTED = re.compile(r"^(?:[\"“'‘].*[\"”'’]|>.*)$", re.DOTALL)

#: A longer message ending in "?" is a post that asks its readers something.
MAX_QUESTION_LINES = 3


def classify_followup(text: str) -> Followup:
    """``"question"`` when ``text`` asks something about the draft, else ``"revision"``."""
    stripped = _LEADING_NOISE.sub("", text.strip())
    if not stripped or _REVISION_LABEL.match(stripped) or _QUOTED.match(stripped):
        return "revision"
    lines = [line for line in stripped.splitlines() if line.strip()]
    if len(lines) > MAX_QUESTION_LINES:
        return "revision"
    if _TRAILING_NOISE.sub("", lines[-1]).endswith("?"):
        return "question"
    return "question" if _starts_with_opener(lines[0].lower()) else "revision"


def _starts_with_opener(line: str) -> bool:
    return any(
        line == opener or re.match(re.escape(opener) + r"[\s,:?]", line) for opener in _QUESTION_OPENERS
    )
