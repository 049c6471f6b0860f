"""Text from a draft or the LLM, made safe for Slack's mrkdwn.

Slack parses ``<...>`` as mentions and links (``<!channel>``, ``<@U123>``, ``<https://x|y>``),
so ``&``, ``<`` and ``>`` become entities and none of it can ping or link. Messages posted
through the API do not turn a bare ``@here`` into a mention unless ``link_names`` is set; a
zero-width joiner after the ``@`` keeps it inert even if that flag is ever turned on.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
ZWJ = "\u200d"

_BROADCAST = re.compile(r"@(?=(?:here|channel|everyone)\b)", re.IGNORECASE)
_ENTITY_START = "&"  # in escaped text every "&" opens an entity


def escape_mrkdwn(text: str) -> str:
    """``text`` shown literally in mrkdwn: no mentions, links or broadcasts."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + ZWJ, escaped)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in a visible "…" when cut.

    Safe on escaped text: a cut never leaves half an entity such as ``&am``.
    """
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind(_ENTITY_START)
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + ELLIPSIS


def escape_clipped(text: str, limit: int) -> str:
    """``escape_mrkdwn(text)`` within ``limit`` characters."""
    return clip(escape_mrkdwn(text), limit)


def single_line(text: str) -> str:
    """Whitespace runs (newlines included) as single spaces: for labels and one-line summaries."""
    return " ".join(text.split())
