"""What the author's notes say about the moment: a promotion or a joke posted during a disaster.

The notes (``Draft.notes``: the CLI's ``--notes``, the Slack form's notes field) are not
published, so nothing in them is quoted as evidence; they are read for the moment the post will
land in ("the morning after the earthquake", "during the hurricane", "on the anniversary of the
attack"). The evidence is the draft's own words that make it promotional or light-hearted.
"""

from __future__ import annotations

import re

from bot.review.detectors.base import CALENDAR_WORDS, Hit, Scan
from bot.review.models import Severity
from bot.review.text import sentence_bounds

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "context.promotion-in-a-crisis": (),
    "context.business-as-usual-in-a-crisis": (),
    "context.disaster-echoed-to-sell": (),
}

_MAX_NOTE_QUOTE = 80
# The families that turn a post into a sale or a joke, most telling first.
_LIGHT = ("promotion", "product_pun", "levity", "celebration")


# Words that make the grave word before them the name of what the organisation is or does
# ("Funeral director.", "Bereavement charity", "Memorial fund"): who is posting, not the moment.
_ORGANISATION = re.compile(
    r"[\s-]*(?:directors?|homes?|parlou?rs?|plans?|planning|insurers?|insurance|charit(?:y|ies)"
    r"|funds?|trusts?|foundations?|providers?|compan(?:y|ies)|firms?|business(?:es)?|accounts?|brands?"
    r"|teams?|cover|support\s+(?:group|line|service)s?|counsell?(?:ing|ors?)|stonemasons?)\b"
)


def _note_hit(scan: Scan) -> tuple[int, int] | None:
    """Where the notes name a disaster, a death, a day of mourning or a crisis, if they do: not
    where the word names the organisation's own work (a funeral director's notes say so)."""
    notes = scan.context
    if notes is None:
        return None
    for lexicon in ("tragedy", "commemoration", "crisis_moment"):
        for found in scan.lexicons[lexicon].spans(notes.folded):
            if _ORGANISATION.match(notes.folded, found[1]) is None:
                return found
    return None


# The word of the disaster itself ("flood" of "the floods", "heat" of "the heatwave"), as the
# draft might echo it: its first letters, the length of a short stem.
_STEM = 4
_WORD = re.compile(r"[^\W\d_]{4,}")


def _echo(scan: Scan, note: Hit) -> Hit | None:
    """Where the draft itself names or puns on what the notes say happened: its own words of a
    disaster or a death, or a word that starts as the notes' word does ("Flood your cart" the
    week of the floods, "Delhi heat" in the heatwave)."""
    own = sorted(scan.hits("tragedy") + scan.hits("crisis_moment"))
    if own:
        return own[0]
    notes = scan.context
    assert notes is not None
    # The day of the week of "Remembrance Sunday" dates the post; a "Sunday" in it is no echo.
    named = {m.group()[:_STEM] for lexicon in ("tragedy", "crisis_moment")
             for found in [note, *scan.lexicons[lexicon].spans(notes.folded)]
             for m in _WORD.finditer(notes.folded, found[0], found[1])
             if m.group() not in CALENDAR_WORDS}
    named -= {"duri", "afte", "befo", "week", "with", "from", "this", "that", "morn", "nigh", "days",
              "stil", "were", "have", "been", "some", "more", "over"}
    if not named:
        return None
    for m in _WORD.finditer(scan.folded):
        if m.group()[:_STEM] in named:
            return m.start(), m.end()
    return None


def _first_sentence(scan: Scan) -> Hit | None:
    for bound in sentence_bounds(scan.folded):
        if scan.folded[bound.start:bound.end].strip():
            return bound.start, bound.end
    return None


def detect_context_timing(scan: Scan) -> None:
    """A promotional or joking draft whose notes place it in a disaster or a day of mourning."""
    note = _note_hit(scan)
    if note is None or scan.context is None:
        return
    # A tribute, an apology or a pause is what the moment asks for.
    if scan.has("care") or scan.has("solidarity"):
        return
    said_note = " ".join(scan.context.original.split())
    if len(said_note) > _MAX_NOTE_QUOTE:
        said_note = said_note[: _MAX_NOTE_QUOTE - 1].rstrip() + "…"
    for family in _LIGHT:
        hits = scan.hits(family)
        if hits:
            # Medium, so "revise": held until the moment has passed, the same post can go out.
            # A draft that itself uses the disaster to sell is "do not post" by the tragedy rules.
            said = scan.texts.said("context.promotion-in-a-crisis", "insensitive_timing")
            scan.add("context.promotion-in-a-crisis", "insensitive_timing", Severity.medium, hits[0],
                     f"{said.message} (The notes say: “{said_note}”.)", said.suggestion)
            echo = _echo(scan, note)
            if echo is not None and family != "celebration":
                # The sale or the joke plays on the disaster itself: no later day makes it right.
                said = scan.texts.said("context.disaster-echoed-to-sell", "tragedy_exploitation")
                scan.add("context.disaster-echoed-to-sell", "tragedy_exploitation", Severity.high, echo,
                         f"{said.message} (The notes say: “{said_note}”.)", said.suggestion)
            return
    if scan.has("safety_notice"):
        # Safety advice, a closure or a holding statement is what the moment asks for.
        return
    sentence = _first_sentence(scan)
    if sentence is not None:
        said = scan.texts.said("context.business-as-usual-in-a-crisis", "insensitive_timing")
        scan.add("context.business-as-usual-in-a-crisis", "insensitive_timing", Severity.medium, sentence,
                 f"{said.message} (The notes say: “{said_note}”.)", said.suggestion)
