"""What every front end checks before a draft is reviewed, so they all say the same thing."""

from __future__ import annotations

from bot.review.models import Draft

#: Long enough for any social post or ad script (a long LinkedIn post is ~3,000 characters),
#: short enough that a pasted document is caught and named rather than reviewed half-blind.
MAX_DRAFT_CHARS = 20_000

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


class DraftRejected(ValueError):
    """The draft cannot be reviewed; ``str(exc)`` is a plain message for the user."""


def visible_text(text: str) -> str:
    """``text`` without zero-width and soft-hyphen characters (used only to judge emptiness)."""
    return text.translate(_INVISIBLE)


def check_draft(draft: Draft) -> None:
    """Raise DraftRejected with a user-facing message when ``draft`` cannot be reviewed."""
    if not visible_text(draft.text).strip():
        raise DraftRejected(
            "The draft is empty: there is nothing to review. Paste the post's text "
            "(images can be described in [brackets])."
        )
    if len(draft.text) > MAX_DRAFT_CHARS:
        raise DraftRejected(
            f"The draft is {len(draft.text):,} characters long; redteam reviews posts of up to "
            f"{MAX_DRAFT_CHARS:,} characters. Review it in parts (each post or script separately). "
            "Nothing was cut or lost."
        )
