"""Cheap keyword gates: skip a regex when none of the literals every match needs is in the draft.

Most drafts trip almost none of the ~100 rule and lexicon regexes, yet each regex has to walk the
whole draft to find that out. ``required_literals`` reads a pattern's parse tree and returns a
set of plain strings such that every match contains at least one of them (``\\bcures?\\s+cancer``
needs "cure" or "cancer"). Checking those with ``in`` on the folded draft is far cheaper than
running the regex. The analysis is conservative: whenever it cannot prove a requirement (an
optional group, a character class, a back-reference) it returns None and the regex always runs.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any

# The stdlib parser behind ``re``; private, but stable in shape since Python 3.0 (the public
# ``sre_parse`` alias warns on import from 3.11 on).
_parser: Any = importlib.import_module("re._parser")

_MAX_EXPANSION = 24  # a run like "[sz]e[sz]" expands to at most this many strings
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}

Literals = frozenset[str]


def _best(candidates: list[Literals]) -> Literals | None:
    """The most selective requirement: the one whose shortest string is longest, then fewest."""
    usable = [c for c in candidates if c and all(c_ for c_ in c)]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(len(s) for s in c), -len(c), sum(map(len, c))))


def _class_chars(items: list[tuple[Any, Any]]) -> list[str] | None:
    """The characters of a class made only of plain literals (``[sz]``), else None."""
    chars = []
    for op, arg in items:
        if str(op) != "LITERAL":
            return None
        chars.append(chr(arg).lower())
    return chars


def _exact(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    """Every string a small, repeat-free sequence matches ("k(?:m|y)s" -> kms, kys), else None."""
    strings: set[str] = {""}
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            options: list[str] | None = [chr(arg).lower()]
        elif name == "IN":
            options = _class_chars(arg)
        elif name == "AT":
            continue  # zero-width: "\b" does not break a run of characters
        elif name == "SUBPATTERN":
            found = _exact(arg[-1])
            options = None if found is None else sorted(found)
        elif name == "BRANCH":
            union: set[str] = set()
            for alternative in arg[1]:
                found = _exact(alternative)
                if found is None:
                    return None
                union |= found
            options = sorted(union)
        else:
            return None
        if options is None or len(strings) * len(options) > _MAX_EXPANSION:
            return None
        strings = {s + o for s in strings for o in options}
    return strings


def _sequence(items: Iterable[tuple[Any, Any]]) -> Literals | None:
    candidates: list[Literals] = []
    run: set[str] = {""}

    def flush() -> None:
        nonlocal run
        if run != {""}:
            candidates.append(frozenset(run))
        run = {""}

    for op, arg in items:
        name = str(op)
        if name == "AT":
            continue
        if name in ("LITERAL", "IN", "SUBPATTERN", "BRANCH"):
            # A small exact piece (a letter, "[sz]", "(?:m|y)") extends the current run.
            exact = _exact([(op, arg)])
            if exact is not None and "" not in exact and len(run) * len(exact) <= _MAX_EXPANSION:
                run = {r + e for r in run for e in exact}
                continue
        flush()
        if name == "IN":
            # A large class of plain characters (a list of emoji): every match holds one of them.
            chars = _class_chars(arg)
            found = frozenset(chars) if chars else None
        elif name == "LITERAL":
            found = None
        elif name == "SUBPATTERN":
            found = _sequence(arg[-1])
        elif name == "BRANCH":
            found = _branch(arg[1])
        elif name in _REPEATS:
            low, _high, body = arg
            found = _sequence(body) if low >= 1 else None
        else:
            # Anchors, lookarounds, wildcards, categories, back-references: no literal to require.
            found = None
        if found is not None:
            candidates.append(found)
    flush()
    return _best(candidates)


def _branch(alternatives: list[Any]) -> Literals | None:
    union: set[str] = set()
    for alternative in alternatives:
        found = _sequence(alternative)
        if found is None:
            return None
        union |= found
    return frozenset(union)


def required_literals(pattern: str | re.Pattern[str]) -> Literals | None:
    """Strings (lower case) of which every match of ``pattern`` contains at least one; None if unknown."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    try:
        tree = _parser.parse(source)
    except (re.error, RecursionError):
        return None
    found = _sequence(list(tree))
    if found is None:
        return None
    # "abc" in a draft implies "ab" is too: keep only the shortest strings that still gate.
    kept = {s for s in found if not any(o != s and o in s for o in found)}
    return frozenset(kept)


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many literals, as a trie: at each position the longest literal wins.

    ``re`` tries alternatives one by one, so a flat "a|ab|abc|..." of a thousand literals is
    slow; a trie shares prefixes and fails on the first character that no literal continues.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # Greedy "?": the longer literal is tried first, the shorter one is the fallback.
        return f"(?:{body})?" if ends else body

    return build(trie)


class LiteralGate:
    """All gates of one checker: which literals a draft contains, found in one pass per draft."""

    def __init__(self, gates: Iterable[Literals | None]) -> None:
        every: set[str] = set()
        for gate in gates:
            if gate is not None:
                every |= gate
        self._literals = tuple(sorted(every))
        # A zero-width lookahead visits every position, so overlapping literals are all seen.
        self._pattern = re.compile(f"(?=({_trie_pattern(self._literals)}))") if every else None
        # The longest literal found at a position implies every literal that is a prefix of it.
        self._implied = {
            word: frozenset(word[:i] for i in range(1, len(word) + 1) if word[:i] in every)
            for word in every
        }

    def present(self, folded: str) -> frozenset[str]:
        """The gate literals that occur in ``folded``."""
        if self._pattern is None:
            return frozenset()
        found: set[str] = set()
        for word in set(self._pattern.findall(folded)):
            found |= self._implied[word]
        return frozenset(found)


def may_match(gate: Literals | None, present: frozenset[str]) -> bool:
    """False only when the gate proves the regex cannot match."""
    return gate is None or not gate.isdisjoint(present)
