"""Normalising drafts for matching, and mapping matches back to exact spans of the original.

Patterns run on a folded copy of the draft (lower case, typographic quotes made plain,
zero-width and bidi control characters removed, compatibility forms such as full-width
letters unfolded), so a zero-width joiner inside a word cannot hide it. Every character of
the folded copy remembers which character of the original it came from, so evidence always
points into the text the author wrote: ``text[start:end] == quote``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.review.matching import Pattern

# Invisible characters people (or tools) put inside words: zero-width space/joiners, bidi
# marks and embeddings, word joiner and invisible operators, BOM, soft hyphen, Mongolian
# vowel separator and emoji variation selectors.
_INVISIBLE = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2065)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + [chr(c) for c in range(0xFE00, 0xFE10)]
    + ["\ufeff", "\u00ad", "\u180e", "\u061c"]
)

# Folded so that patterns written with plain ASCII punctuation match typographic text.
_PUNCTUATION = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
    "\u00b4": "'", "\u0060": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
    "\uff03": "#",
}

_fold_cache: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    folded = _fold_cache.get(ch)
    if folded is None:
        if ch in _INVISIBLE:
            folded = ""
        elif ch in _PUNCTUATION:
            folded = _PUNCTUATION[ch]
        else:
            folded = unicodedata.normalize("NFKC", ch).lower()
            # NFKC can itself produce typographic punctuation; fold it once more.
            folded = "".join(_PUNCTUATION.get(c, c) for c in folded)
        if len(_fold_cache) < 20_000:
            _fold_cache[ch] = folded
    return folded


def _one_to_one_table(text: str) -> dict[int, str] | None:
    """A translate table for the non-ASCII characters of ``text`` if each folds to exactly one
    character that ``lower()`` leaves alone; None when any is removed, expands or needs lowering."""
    table: dict[int, str] = {}
    for ch in set(text):
        if ch.isascii():
            continue
        folded = _fold_char(ch)
        if len(folded) != 1 or folded.lower() != folded:
            return None
        table[ord(ch)] = folded
    return table


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of the original text."""

    start: int
    end: int


class FoldedText:
    """A draft and its folded copy, with the index map between them."""

    __slots__ = ("_origin", "folded", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        if original.isascii():
            # The common case: nothing to remove or unfold, so indexes are shared.
            self.folded = original.lower()
            self._origin: list[int] | None = None
            return
        # Most non-ASCII drafts only carry emoji or accents, each folding to one character:
        # then the index map is the identity and one translate replaces the per-character loop.
        table = _one_to_one_table(original)
        if table is not None:
            self.folded = original.translate(table).lower()
            self._origin = None
            return
        parts: list[str] = []
        origin: list[int] = []
        for index, ch in enumerate(original):
            folded = ch.lower() if ch.isascii() else _fold_char(ch)
            if folded:
                parts.append(folded)
                origin.extend([index] * len(folded))
        self.folded = "".join(parts)
        self._origin = origin

    def folded_index(self, index: int) -> int:
        """Where the original character at ``index`` (or the first kept one after it) is folded to."""
        if self._origin is None:
            return index
        return bisect.bisect_left(self._origin, index)

    def span(self, start: int, end: int) -> Span:
        """The original span for the folded range ``[start, end)``, trimmed of outer spaces."""
        if self._origin is None:
            o_start, o_end = start, end
        else:
            if start >= len(self._origin):
                return Span(len(self.original), len(self.original))
            o_start = self._origin[start]
            o_end = self._origin[end - 1] + 1 if end > start else o_start
        text = self.original
        while o_start < o_end and text[o_start].isspace():
            o_start += 1
        while o_end > o_start and text[o_end - 1].isspace():
            o_end -= 1
        return Span(o_start, o_end)

    def mask(self, pattern: Pattern) -> None:
        """Blank out every match of ``pattern`` in the folded copy (allow-listed terms)."""
        folded = self.folded
        parts: list[str] = []
        at = 0
        for start, end in pattern.spans(folded):
            parts += [folded[at:start], " " * (end - start)]
            at = end
        self.folded = "".join(parts) + folded[at:]

    def folded_range(self, start: int, end: int) -> tuple[int, int] | None:
        """The folded range whose characters come from exactly the original ``[start, end)``;
        None when that part of the original folds to nothing."""
        if self._origin is None:
            return start, end
        origin = self._origin
        first = bisect.bisect_left(origin, start)
        last = bisect.bisect_left(origin, end)
        if first >= last or origin[first] != start:
            return None
        return first, last


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentence_bounds(text: str) -> list[Span]:
    """Rough sentence spans of ``text`` (enough to drop or rewrite a whole sentence)."""
    bounds: list[Span] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            bounds.append(Span(start, m.start()))
        start = m.end()
    if start < len(text):
        bounds.append(Span(start, len(text)))
    return bounds


#: Words a quote should not stop on: what they lead to is the point ("blame your" for "blame
#: your breakfast", "our hearts are with" for "our hearts are with Dunmore"). Lower case: the
#: quotes are found in the folded text.
_LEADS_ON = frozenset({
    "a", "an", "and", "any", "are", "as", "at", "be", "because", "but", "by", "every", "for",
    "from", "her", "his", "i", "if", "into", "is", "its", "just", "my", "of", "or", "our", "so",
    "some", "than", "the", "their", "those", "to", "was", "we", "were", "which", "who", "whose",
    "with", "you", "your",
})
#: What ends a clause, for a quote's edges.
CLAUSE_MARKS = ".!?;:,()[]\n\u2014\u2013\"\u201c\u201d"
#: The next word on the same line, with no mark that ends a clause before it.
_NEXT_WORD = re.compile(r"[^\S\n]*[^\s" + re.escape(CLAUSE_MARKS) + "]+")
#: The most words a quote grows by to get past such words.
_LEAD_IN_WORDS = 4
#: Longer than any word of ``_LEADS_ON`` with a quote mark after it: a quote whose last this
#: many characters hold no space ends on a longer word, which leads on to nothing.
_LONGEST_LEAD = 9


def past_the_lead_in(text: str, end: int, *, until: int) -> int:
    """The end of a quote ending at ``end`` moved past the words it should not stop on (at most
    ``_LEAD_IN_WORDS`` of them, within the clause and never past ``until``): "you know who"
    becomes "you know who you are", "book by" becomes "book by 9/11"."""
    for _ in range(_LEAD_IN_WORDS):
        # Every finding passes here: plain string operations on a few characters, no search.
        start = max(0, end - _LONGEST_LEAD)
        tail = text[start:end].rsplit(None, 1)
        if not tail or (len(tail) == 1 and start > 0 and not text[start].isspace()
                        and not text[start - 1].isspace()):
            break
        if tail[-1].strip("'\"") not in _LEADS_ON:
            break
        following = _NEXT_WORD.match(text, end)
        if following is None or following.end() > until:
            break
        end = following.end()
    return end
