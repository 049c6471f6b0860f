"""Linear-time matching for the patterns in rule files (RE2).

Every pattern a rule file holds (rule packs, lexicons, the allow-list, the rewrites) is compiled
with RE2, which matches in time linear in the draft whatever the pattern says: no pattern, however
it is written, can make a draft take minutes to check. Patterns keep Python's ``re`` syntax and
meaning for what rule authors write: ``\\w``, ``\\d`` and ``\\s`` match letters, digits and
spaces of every script as in Python.

RE2 has no look-around. The forms rule files use for exceptions become conditions on the text
next to an alternative (``Alternative.before``/``after``/``not_after``), consumed by RE2 but never
reported as part of the match: a one-character look-around at either end of an alternative, a
negative look-ahead over listed words at its end (turned into "what follows is none of these
words" by ``_not_followed_by``), a positive look-ahead at its end, and a negative look-behind over
a few words at its start (checked on the characters before each match). Any other look-around,
and back-references, are refused at load with a plain message (``PatternError``).

Drafts are matched as UTF-8; a draft's encoding and its offset map are made once and shared by
every pattern that scans it. Details and measurements: ``docs/performance.md``.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import re2

__all__ = [
    "WORD_EDGE", "Alternative", "Context", "Pattern", "PatternError", "PatternSet", "alternatives_of",
    "check", "check_python_syntax", "translate",
]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported as PatternError, not on stderr
# Large alternations (a lexicon of hundreds of entries) need more than RE2's default 8 MB budget.
_OPTIONS.max_mem = 64 << 20

# Python's \w, \d and \s match Unicode letters, digits and spaces. RE2's Unicode classes
# (\p{L}) make patterns slow to compile (about 10 ms each), so letters are given as the ranges of
# the scripts that have them: exact for Latin, Greek, Cyrillic, CJK and the rest of the basic
# plane's letters; a few punctuation marks of other scripts count as letters, emoji do not.
_WORD = (
    r"0-9A-Za-z_\x{aa}\x{b2}\x{b3}\x{b5}\x{b9}\x{ba}\x{bc}-\x{be}\x{c0}-\x{d6}\x{d8}-\x{f6}"
    r"\x{f8}-\x{2ff}\x{370}-\x{373}\x{376}-\x{3ff}\x{400}-\x{1fff}\x{2070}-\x{209f}\x{2c00}-\x{2dff}"
    r"\x{3040}-\x{9fff}\x{a000}-\x{d7ff}\x{f900}-\x{fdff}\x{fe70}-\x{fefe}\x{ff10}-\x{ffdc}"
    r"\x{10000}-\x{1efff}\x{20000}-\x{3ffff}"
)
_DIGIT = r"0-9\x{660}-\x{669}\x{6f0}-\x{6f9}\x{966}-\x{96f}\x{ff10}-\x{ff19}"
# Exactly the characters str.isspace() accepts.
_SPACE = (
    r"\t\n\v\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
    r"\x{205f}\x{3000}"
)
# Python's Unicode meaning of the class escapes, inside and outside a character class.
_IN_CLASS = {"w": _WORD, "d": _DIGIT, "s": _SPACE}
_OUTSIDE = {
    "w": f"[{_WORD}]", "W": f"[^{_WORD}]", "d": f"[{_DIGIT}]", "D": f"[^{_DIGIT}]",
    "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "Z": r"\z",
}
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_VETO_BYTES = 256  # the "not right after" words are read from at most this many bytes back
_UNSCREENED_DRAFTS = 8  # drafts checked before the PatternSet is built (see PatternSet)
# Patterns per screening automaton. One automaton over every pattern grows past what its state
# cache holds and rebuilds states on each draft; several small ones each stay warm (about four
# times faster for the shipped rules, measured with bench/bench_checker.py).
_SET_CHUNK = 100


def _direct_available() -> bool:
    """Whether google-re2's compiled object can be called directly: ``_Regexp._regexp.Match``
    and ``_Anchor``, internal to its Python wrapper (``tests/test_matching.py`` pins their form)."""
    try:
        compiled = re2.compile(b"(b)")._regexp
        return list(compiled.Match(re2._Anchor.UNANCHORED, b"ab", 0, 2)) == [(1, 2), (1, 2)]
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - another wrapper
        return False


# A search through RE2's Python wrapper adds a generator, a match object and a call into RE2
# for each group's span to the search itself (a microsecond for a search that finds nothing, on
# the bench's drafts), so patterns call the compiled object directly: ``find_risks`` was an
# eighth to a sixth faster so (``bench/bench_checker.py``, "RE2 called directly / through its
# wrapper", in turns). The wrapper's public API is the fallback.
DIRECT = _direct_available()
_UNANCHORED: Any = re2._Anchor.UNANCHORED if DIRECT else None


class PatternError(ValueError):
    """A pattern the checker cannot use; the message says why in plain words."""


@functools.lru_cache(maxsize=8192)
def check_python_syntax(pattern: str) -> None:
    """Raise ``re.error`` unless ``pattern`` is a Python regex (rule files are written in its syntax).

    Cached: the rules hold more patterns than ``re``'s own cache keeps, so each checker built in
    one process would parse them all again; a failure is not cached and raises every time."""
    re.compile(pattern)


# Cached like ``_compile``: a pure function of its text, and every checker built in one process
# (a test run, a server's reload) translates the same rule patterns again.
@functools.lru_cache(maxsize=8192)
def translate(pattern: str) -> str:
    """``pattern`` (Python ``re`` syntax) as RE2 syntax with the same meaning; PatternError if none."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt.isdigit() and nxt != "0":
                raise PatternError(f"back-reference \\{nxt} is not supported: spell the repeated words out")
            table = _IN_CLASS if in_class else _OUTSIDE
            out.append(table.get(nxt, ch + nxt))
            i += 2
            continue
        if in_class:
            if ch == "]" and not _class_opened_at(out):
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):  # "[]abc]": a leading ] is a literal
                out.append("\\]")
                i += 1
        elif ch == "(" and pattern.startswith(_LOOKAROUND, i):
            raise PatternError(
                "look-ahead and look-behind ((?=, (?!, (?<=, (?<!) are not supported: "
                "match the words themselves, or use unless_any / requires_any for context"
            )
        elif ch == "(" and pattern.startswith("(?P=", i):
            raise PatternError("back-references are not supported: spell the repeated words out")
        elif ch == "(" and pattern.startswith("(?P<", i):
            out.append("(?:")  # names are not used, and RE2 would reject a name used twice
            i = pattern.index(">", i) + 1
            continue
        elif ch == "(" and not pattern.startswith("(?", i):
            out.append("(?:")  # only the pattern's own span is reported; groups need not capture
            i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _class_opened_at(out: list[str]) -> bool:
    """True when ``out`` ends with the ``[`` (or ``[^``) that opened the class (so ``]`` is literal)."""
    return bool(out) and (out[-1] == "[" or (out[-1] == "^" and len(out) > 1 and out[-2] == "["))


@functools.lru_cache(maxsize=4096)
def _compile(source: str) -> re2._Regexp:
    # Compiled patterns are immutable and safe to share between threads; every checker built in
    # one process (a test run, a server's reload) shares them.
    try:
        return re2.compile(source, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(reason) from None


def check(pattern: str) -> None:
    """Raise PatternError when ``pattern`` cannot be matched in linear time (or is not a regex)."""
    Pattern(alternatives_of(pattern)).check()


@dataclass(frozen=True, slots=True)
class Context:
    """What the one character next to a match may be: in ``chars`` (an RE2 class), or no
    character at all (the edge of the draft) when ``edge``."""

    chars: str
    edge: bool = True

    def both(self, other: Context | None) -> Context:
        """Both conditions at once (only for two "not one of these" classes)."""
        if other is None:
            return self
        if self.chars.startswith("[^") and other.chars.startswith("[^"):
            return Context("[^" + self.chars[2:-1] + other.chars[2:-1] + "]", self.edge and other.edge)
        raise PatternError("two different conditions on the same neighbouring character are not supported")


#: Not touching a letter or digit: the loaders' word boundary around entries and terms.
WORD_EDGE = Context("[^a-z0-9]")


@dataclass(frozen=True, slots=True)
class Alternative:
    """One alternative of a pattern, with what the characters just before and after it may be."""

    body: str
    before: Context | None = None
    after: Context | None = None
    #: Words that must not end right before the alternative (``(?<!retail\s)therapy``).
    not_after: str | None = None


def _syntax(pattern: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """``(index, character)`` of each character of ``pattern`` from ``start`` that is syntax:
    not escaped and not inside a character class (where ``(``, ``)`` and ``|`` are literal)."""
    i = start
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if pattern.startswith("^", i + 1):
                i += 1
            if pattern.startswith("]", i + 1):
                i += 1
        else:
            yield i, ch
        i += 1


def _closing(pattern: str, open_at: int) -> int:
    """The index of the ``)`` closing the group opened at ``open_at``."""
    depth = 0
    for i, ch in _syntax(pattern, open_at):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise PatternError("unbalanced parenthesis")


def _trailing(part: str, kind: str) -> int:
    """Where a look-ahead ``kind`` that ends ``part`` opens, or -1."""
    open_at = part.rfind(kind)
    while open_at >= 0 and _closing(part, open_at) != len(part) - 1:
        open_at = part.rfind(kind, 0, open_at)
    return open_at


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` ("a|(?:b|c)" -> ["a", "(?:b|c)"])."""
    return list(_split_alternatives(pattern))


@functools.lru_cache(maxsize=8192)  # pure, and asked again for every checker built (see translate)
def _split_alternatives(pattern: str) -> tuple[str, ...]:
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in _syntax(pattern):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return tuple(parts)


def _one_char(body: str) -> tuple[bool, str] | None:
    """``body`` as ``(negated, class items)`` when it matches exactly one character, else None."""
    translated = translate(body)
    if translated.startswith("[") and _closing_bracket(translated) == len(translated) - 1:
        if translated.startswith("[^"):
            return True, translated[2:-1]
        return False, translated[1:-1]
    if len(body) == 1 and body not in ".^$|()[]{}*+?\\":
        return False, re2.escape(body)
    if len(body) == 2 and body[0] == "\\" and not body[1].isalnum():
        return False, body
    return None


def _closing_bracket(translated: str) -> int:
    i = 2 if translated.startswith("[^") else 1
    if translated.startswith("]", i):
        i += 1
    while i < len(translated):
        if translated[i] == "\\":
            i += 2
            continue
        if translated[i] == "]":
            return i
        i += 1
    return -1


def _context(kind: str, body: str) -> Context | None:
    """The neighbour condition of a look-around ``(?<!body)`` etc., None when it is not one character."""
    alternatives = split_alternatives(body)
    edge = False
    edge_mark = "$" if kind == "(?=" else "^"
    if kind in ("(?=", "(?<=") and len(alternatives) == 2 and alternatives[1] == edge_mark:
        edge = True
        alternatives = alternatives[:1]
    if len(alternatives) != 1:
        return None
    one = _one_char(alternatives[0])
    if one is None:
        return None
    negated, items = one
    if kind in ("(?!", "(?<!"):
        return Context(("[" if negated else "[^") + items + "]", edge=True)
    return Context(("[^" if negated else "[") + items + "]", edge=edge)


def alternatives_of(pattern: str, *, before: Context | None = None,
                    after: Context | None = None) -> list[Alternative]:
    """``pattern`` as alternatives; a look-around of one character at either end of one becomes
    that alternative's ``before``/``after`` condition (so ``(?<![a-z])cat(?![a-z])`` works)."""
    found = []
    for part in split_alternatives(pattern):
        own_before = own_after = None
        vetoes: list[str] = []
        while part.startswith(("(?<!", "(?<=")):
            kind = "(?<!" if part.startswith("(?<!") else "(?<="
            close = _closing(part, 0)
            body = part[len(kind):close]
            one = _context(kind, body) if not vetoes else None
            if one is not None and own_before is None:
                own_before = one
            elif kind == "(?<!" and not any(q in body for q in "*+{"):
                vetoes.append(body)  # a few words of bounded length: checked on each match
            else:
                break
            part = part[close + 1:]
        negative: list[str] = []
        while part.endswith(")"):
            ahead = next((k for k in ("(?!", "(?=") if _trailing(part, k) >= 0), None)
            if ahead is None:
                break
            open_at = _trailing(part, ahead)
            body = part[open_at + len(ahead):-1]
            if ahead == "(?=":
                if negative or own_after is not None:
                    break
                own_after = _context(ahead, body)
                if own_after is None:
                    own_after = _followed_by(body, after)
                    if own_after is None:
                        break
                else:
                    own_after = own_after.both(after)
            else:
                negative.insert(0, body)
            part = part[:open_at]
        if negative:
            single = _context("(?!", negative[0]) if len(negative) == 1 else None
            if single is not None:
                own_after = single.both(after)
            else:
                # A few listed words: "not followed by" becomes a condition RE2 checks.
                words = [w for body in negative for w in _expand(body)]
                condition = _not_followed_by(words, after)
                own_after = Context(condition if condition is not None else r"\b\B", edge=False)
        found.append(Alternative(
            part,
            own_before.both(before) if own_before is not None else before,
            own_after if own_after is not None else after,
            "|".join(f"(?:{v})" for v in vetoes) or None,
        ))
    return found


def _followed_by(body: str, boundary: Context | None) -> Context | None:
    """``(?=body)`` at the end of an alternative as a condition on what follows (consumed, not
    reported); None when it cannot be (with ``boundary``, each branch must start with a
    separator or punctuation, which the boundary then allows)."""
    branches = split_alternatives(body)
    edge = "$" in branches
    branches = [b for b in branches if b != "$"]
    if not branches:
        return None
    if boundary is not None:
        for branch in branches:
            first = re2.fullmatch(r"(\\s|\\x20| |\[(?:\\s|[^\]a-z0-9\\])*\]|\\?[^\w\s(\[\\]).*", branch)
            if first is None:
                return None
    return Context("(?:" + "|".join(translate(b) for b in branches) + ")", edge=edge)


class _Subject:
    """A draft as RE2 sees it: UTF-8 bytes, and the map between byte and character offsets.

    ``screened``: the PatternSet that screened this draft, and ``possible`` the patterns of that
    set that can match it (the others are known not to).
    """

    __slots__ = ("byte_of_char", "data", "possible", "screened", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.screened: PatternSet | None = None
        self.possible: frozenset[int] = frozenset()
        self.data = text.encode("utf-8")
        if len(self.data) == len(text):
            self.byte_of_char: list[int] | None = None
        else:
            widths = [1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4 for c in text]
            self.byte_of_char = [0, *itertools.accumulate(widths)]

    def to_byte(self, index: int) -> int:
        return index if self.byte_of_char is None else self.byte_of_char[index]

    def to_char(self, offset: int) -> int:
        if self.byte_of_char is None:
            return offset
        return bisect.bisect_left(self.byte_of_char, offset)


_local = threading.local()


def _subject(text: str) -> _Subject:
    """The encoded draft; every pattern that scans the same draft shares one encoding."""
    cached: _Subject | None = getattr(_local, "subject", None)
    if cached is None or cached.text is not text:
        cached = _Subject(text)
        _local.subject = cached
    return cached


class Pattern:
    """A compiled alternation of rule-file patterns, matched in linear time.

    Alternatives are tried in order, as in ``re``: at the first position where any matches, the
    first one that matches wins.
    """

    def __init__(self, alternatives: Sequence[Alternative | str], *, exact_screen: bool = False) -> None:
        """``exact_screen``: a ``PatternSet`` screens the pattern as written, so that it lets a
        draft through only where the words occur (else as ``screen_source`` makes it)."""
        alts = [a if isinstance(a, Alternative) else Alternative(a) for a in alternatives]
        if not alts:
            raise ValueError("a pattern needs at least one alternative")
        # Neighbouring alternatives that agree on their conditions share one group (fewer groups,
        # faster submatches).
        runs: list[tuple[list[str], Context | None, Context | None, str | None]] = []
        for a in alts:
            body = translate(a.body)
            if runs and runs[-1][1:] == (a.before, a.after, a.not_after):
                runs[-1][0].append(body)
            else:
                runs.append(([body], a.before, a.after, a.not_after))

        def run(bodies: list[str], after: Context | None) -> str:
            tail = "" if after is None else f"(?:{after.chars}|\\z)" if after.edge else after.chars
            return "(" + "|".join(bodies) + ")" + tail

        # A "not right after these words" condition is checked on each match, on the few
        # characters before it (bounded: the words have no repeats).
        vetoes = [None if not_after is None else _compile(f"(?:{translate(not_after)})\\z")
                  for _, _, _, not_after in runs]
        self._prefixed = any(before is not None for _, before, _, _ in runs)
        if not self._prefixed:
            source = "|".join(run(bodies, after) for bodies, _, after, _ in runs)
            self._vetoes = vetoes
        else:
            # RE2 cannot look behind: a condition on the character before consumes it, so every
            # match starts one character early, and a match at the very start is a branch of its own.
            at_start = [i for i, (_, before, _, _) in enumerate(runs) if before is None or before.edge]
            later = ["(?s:.)" if before is None else before.chars for _, before, _, _ in runs]
            branches = [before + run(b, after) for before, (b, _, after, _) in zip(later, runs, strict=True)]
            source = "|".join(branches)
            if at_start:
                source = "^(?:" + "|".join(run(runs[i][0], runs[i][2]) for i in at_start) + ")|" + source
            self._vetoes = [vetoes[i] for i in at_start] + vetoes
        self.source = source
        self._screened_as: str | None = source if exact_screen else None
        self._screened_exactly = True
        self._compiled: Any = None  # compiled on first use: a start that checks one draft needs few
        self._compiled_direct: Any = None
        self._groups = range(1, len(self._vetoes) + 1)
        self._screen: tuple[PatternSet, int] | None = None

    def _screened(self) -> tuple[str, bool]:
        if self._screened_as is None:
            self._screened_as = screen_source(self.source)
            self._screened_exactly = self._screened_as == self.source
        return self._screened_as, self._screened_exactly

    @property
    def screened_as(self) -> str:
        """What a ``PatternSet`` screens for it: the same words, or more (``screen_source``)."""
        return self._screened()[0]

    @property
    def screened_exactly(self) -> bool:
        """Whether a screen that lets a draft through for this pattern means its words occur
        there (else they may not: its counted repeats were screened as ``*``)."""
        return self._screened()[1]

    def occurs_in(self, text: str) -> bool:
        """Whether the pattern's words occur in ``text``, any "not right after" condition aside:
        what a ``PatternSet`` screen reports for it."""
        data = _subject(text).data
        if DIRECT:
            return bool(self._direct().Match(_UNANCHORED, data, 0, len(data))[0][0] >= 0)
        return self._regex().search(data) is not None

    def _direct(self) -> Any:
        """The compiled RE2 object itself: its ``Match`` gives each group's byte span."""
        if self._compiled_direct is None:
            self._compiled_direct = self._regex()._regexp
        return self._compiled_direct

    def _regex(self) -> Any:
        if self._compiled is None:
            self._compiled = _compile(self.source)
        return self._compiled

    def check(self) -> None:
        """Compile now: PatternError when RE2 cannot take the pattern."""
        self._regex()

    def _span(self, span_of: Callable[[int], tuple[int, int]], data: bytes) -> tuple[int, int, bool]:
        """The match's span (``span_of``: a group's span in bytes), and whether a "not right
        after" condition rules it out."""
        for group in self._groups:
            start, end = span_of(group)
            if start >= 0:
                veto = self._vetoes[group - 1]
                vetoed = veto is not None and veto.search(data[max(0, start - _VETO_BYTES):start]) is not None
                return start, end, vetoed
        raise AssertionError("a match without a matching alternative")  # pragma: no cover

    def spans(self, text: str, limit: int | None = None) -> list[tuple[int, int]]:
        """The ``(start, end)`` of each match in ``text``, left to right, never overlapping."""
        subject = _subject(text)
        screen = self._screen
        if screen is not None and subject.screened is screen[0] and screen[1] not in subject.possible:
            return []
        data = subject.data
        found: list[tuple[int, int]] = []
        pos = 0
        min_start = 0
        end_of_data = len(data)
        while pos <= end_of_data:
            if DIRECT:
                groups = self._direct().Match(_UNANCHORED, data, pos, end_of_data)
                if groups[0][0] < 0:
                    break
                start, end, vetoed = self._span(groups.__getitem__, data)
            else:
                match = self._regex().search(data, pos)
                if match is None:
                    break
                start, end, vetoed = self._span(match.span, data)
            if vetoed:
                # Ruled out here: look again from the next character on.
                min_start = subject.to_byte(subject.to_char(start) + 1) if start < end_of_data else start + 1
                pos = start if self._prefixed else min_start
                if pos > end_of_data:
                    break
                continue
            if start < min_start:  # the same empty match again: step past it
                pos = subject.to_byte(subject.to_char(pos) + 1) if pos < end_of_data else end_of_data + 1
                continue
            found.append((subject.to_char(start), subject.to_char(end)))
            if limit is not None and len(found) >= limit:
                break
            if end > start:
                min_start = end
                # The next match may start right after this one: search from its last character,
                # which the left boundary then reads.
                pos = subject.to_byte(found[-1][1] - 1) if self._prefixed else end
            else:
                if end >= end_of_data:
                    break
                min_start = subject.to_byte(found[-1][1] + 1)
                pos = end if self._prefixed else min_start
        return found

    def search(self, text: str) -> tuple[int, int] | None:
        """The first match in ``text``, or None."""
        found = self.spans(text, limit=1)
        return found[0] if found else None


# --- "not followed by one of these words": a look-ahead as a condition RE2 can check ------------
#
# ``memorial(?! day)`` or ``you\b(?!\s+(?:want|need)\b)`` are how rule files list exceptions. RE2
# has no look-ahead, but a look-ahead over a few listed words at the end of an alternative is a
# condition on the text after the match, and "the text does not start with one of these words"
# is itself a regular expression: it is built here from a trie of the words, matched (consumed)
# after the alternative and not reported.

# A separator as written -> the class items it stands for.
_SEPARATORS = {r"\s": _SPACE, r"[\s_-]": _SPACE + r"_\-", " ": " "}
_MAX_WORDS = 256
_ASCII_WORD = "abcdefghijklmnopqrstuvwxyz0123456789_"
# Token: a character, or a run of separators (class, may be empty).
_Token = tuple[str, str]


def _expand(pattern: str) -> list[list[_Token]]:
    """Every token sequence ``pattern`` matches (few listed words), or PatternError."""
    results: list[list[_Token]] = [[]]
    i = 0
    while i < len(pattern):
        options: list[list[_Token]]
        if pattern.startswith("(?:", i):
            close = _closing(pattern, i)
            options = [seq for part in split_alternatives(pattern[i + 3:close]) for seq in _expand(part)]
            i = close + 1
        elif pattern[i] == "(":
            raise PatternError("only (?:...) groups can be used inside a look-ahead")
        elif pattern.startswith(r"\b", i):
            options = [[("b", "")]]
            i += 2
        else:
            sep = next((s for s in _SEPARATORS if pattern.startswith(s, i)), None)
            if sep is not None and pattern.startswith(("*", "+"), i + len(sep)):
                quantifier = pattern[i + len(sep)]
                options = [[("+", _SEPARATORS[sep])]] + ([[]] if quantifier == "*" else [])
                i += len(sep) + 1
            elif sep is not None:
                options = [[("+1", _SEPARATORS[sep])]]
                i += len(sep)
            elif pattern[i] == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
                options = [[("c", pattern[i + 1])]]
                i += 2
            elif pattern[i] in ".^$|[]{}*+?\\":
                raise PatternError(f"{pattern[i]!r} cannot be used inside a look-ahead; list the words")
            else:
                options = [[("c", pattern[i])]]
                i += 1
        if pattern.startswith("?", i):
            options = [*options, []]
            i += 1
        results = [r + o for r in results for o in options]
        if len(results) > _MAX_WORDS:
            raise PatternError("the look-ahead lists too many words")
    return results


def _class_char(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def _not_followed_by(words: list[list[_Token]], boundary: Context | None) -> str | None:
    """An RE2 regex matching at a position iff none of ``words`` starts there (and ``boundary``
    holds for the next character); None when that can never be."""
    # A trie over tokens; "" marks the end of a word.
    trie: dict[_Token, Any] = {}
    for word in words:
        node = trie
        for token in word:
            node = node.setdefault(token, {})
        node[("", "")] = {}

    def allowed_first(kind: str, value: str) -> bool:
        if boundary is None or kind != "c":
            return True
        return re2.fullmatch(boundary.chars, value, options=_OPTIONS) is not None

    def build(node: dict[_Token, Any], after_run: str | None) -> str | None:
        """Regex for "no word continues from ``node``"; ``after_run``: the separator class just
        consumed (so the next character cannot be one, else the run was not over)."""
        if ("", "") in node:
            return None  # a word ends here: the look-ahead matched
        branches: list[str] = []
        excluded: list[str] = []
        word_end = node.get(("b", ""))
        for (kind, value), child in node.items():
            if node is trie and not allowed_first(kind, value):
                continue  # the alternative's own condition already rules this word out
            if kind == "c":
                excluded.append(_class_char(value))
                inner = build(child, None)
                if inner is not None:
                    branches.append(re2.escape(value) + inner)
            elif kind in ("+", "+1"):
                excluded.append(value)
                inner = build(child, value if kind == "+" else None)
                if inner is not None:
                    branches.append(f"[{value}]" + ("+" if kind == "+" else "") + inner)
        if after_run is not None:
            excluded.append(after_run)
        if word_end is not None:
            # "\b" (ASCII, as RE2's): a word ends here unless a word character follows.
            if ("", "") in word_end and len(word_end) == 1:
                letters = [c for c in _ASCII_WORD if _class_char(c) not in excluded]
                if letters:
                    branches.append("[" + "".join(letters) + "]")
                # Anything else after the word (a space, the end) completes the look-ahead.
                return "(?:" + "|".join(branches) + ")" if branches else None
            raise PatternError(r"\b can only end a word inside a look-ahead")
        if boundary is not None and node is trie:
            # The alternative's own condition on the next character, folded into the first step.
            if not boundary.chars.startswith("[^"):
                raise PatternError("a look-ahead cannot be combined with that condition")
            excluded.append(boundary.chars[2:-1])
        other = "[^" + "".join(excluded) + "]" if excluded else "(?s:.)"
        edge = boundary is None or boundary.edge if node is trie else True
        branches.append(other)
        if edge:
            branches.append(r"\z")
        return "(?:" + "|".join(branches) + ")"

    return build(trie, None)


# In RE2 syntax: a code point, an escape, a character class (braces in any of them are no
# repeat), or a counted repeat (group 1).
_SCREEN_TOKEN = re.compile(
    r"\\x\{[0-9a-fA-F]+\}|\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|(\{\d+(?:,\d*)?\}\??)", re.DOTALL
)


def _any_number(token: re.Match[str]) -> str:
    return "*" if token.group(1) else token.group()


def screen_source(source: str) -> str:
    """``source`` (RE2 syntax) with every counted repeat (``{0,90}``, ``{2}``) made a ``*``.

    What the screen runs: it matches wherever ``source`` does (``x*`` takes any number of ``x``),
    so it never hides a match, and its automaton stays small. A counted gap ("within 90
    characters") makes the automaton count, a state per character of the gap and per pattern
    in flight, so a draft the process has not seen before builds many new states; a ``*`` has
    one. The pattern itself, with its counts, then runs on the drafts the screen lets through.
    """
    return _SCREEN_TOKEN.sub(_any_number, source)


@functools.lru_cache(maxsize=8)
def _compile_set(sources: tuple[str, ...]) -> Any:
    built = re2.Set.SearchSet(_OPTIONS)
    for index, source in enumerate(sources):
        if built.Add(source) != index:
            raise PatternError("could not add a pattern to the set")
    built.Compile()
    return built


class PatternSet:
    """Many patterns screened in a few passes over a draft (RE2's Set, one per ``_SET_CHUNK``
    patterns): a pattern the sets rule out for a draft is not run on it, which keeps a draft's
    check to a few passes however many rules there are. Drafts over ``max_screened`` characters are
    not screened (every pattern runs, each still in linear time), so the set's automaton stays
    small. The set is built once a few drafts have been checked: a command that reviews one draft
    (and re-checks its rewrites) never pays for it."""

    def __init__(self, patterns: Sequence[Pattern], max_screened: int = 4000) -> None:
        self._patterns = list(patterns)
        self._max = max_screened
        self._set: Any = None
        self._seen = 0
        for index, pattern in enumerate(self._patterns):
            pattern._screen = (self, index)

    def _build(self) -> list[tuple[int, Any]]:
        sources = tuple(p.screened_as for p in self._patterns)
        return [(start, _compile_set(sources[start:start + _SET_CHUNK]))
                for start in range(0, len(sources), _SET_CHUNK)]

    def screen(self, text: str) -> frozenset[int] | None:
        """Run the set over ``text``: the ``index`` of each pattern that may match it (None: not
        screened, any may). Patterns of the set then skip ``text`` when they cannot match."""
        self._seen += 1
        if len(text) > self._max or self._seen <= _UNSCREENED_DRAFTS:
            return None
        if self._set is None:
            self._set = self._build()
        subject = _subject(text)
        subject.possible = frozenset(start + index for start, built in self._set
                                     for index in built.Match(subject.data) or ())
        subject.screened = self
        return subject.possible

    @staticmethod
    def index(pattern: Pattern) -> int:
        """The pattern's number in the set ``screen`` reports (-1 when in no set)."""
        return -1 if pattern._screen is None else pattern._screen[1]
