"""The word lists code detectors combine, loaded from ``rules/lexicons.yaml``."""

from __future__ import annotations

import re
from pathlib import Path

from bot.review.matching import (
    WORD_EDGE,
    Alternative,
    Pattern,
    PatternError,
    alternatives_of,
    check_python_syntax,
)
from bot.review.rule_files import RuleFileError, read_yaml
from bot.review.rulepack import case_blind, term_body

#: Lists the detectors rely on; a lexicons file without one of them is rejected at load.
REQUIRED = (
    "cohort_count", "cohort_individual", "tracked_behaviour", "precise_window", "precise_location",
    "sensitive_inference", "tracking_data", "individual_target", "diagnosis", "jab", "behaviour_group",
    "cohort_address",
    "tragedy", "commemoration", "promotion", "celebration", "trending", "sensitive_hashtag", "cause_hashtag",
    "cause", "pivot", "donation", "solidarity", "cause_day", "warmth",
    # signal families (bot.review.detectors.signals)
    "hardship", "death_trade", "mishap", "levity", "disgust", "nationality", "female_group", "male_group",
    "stereotype_prop", "religious_day_hindu", "religious_day_muslim", "religious_day_jewish", "taboo_hindu",
    "taboo_muslim", "taboo_jewish", "politics", "protest", "partisan", "civic_neutral", "care",
    "named_person", "private_matter", "private_content", "knowing", "reviewer_address", "verdict_control",
    "belittle", "party", "scold", "exact_time", "mood_fix", "consent", "condescend", "letdown",
    "role_tag", "injection_talk", "health_target", "health_promise", "clock_time", "device_sensing",
    "debunk", "product_pun", "record_read", "record_detail", "discretion",
)


#: Lists no draft is screened for (by name or prefix): the notes' own (``notes_``), read in the
#: author's notes only (``Scan.noted``); a child's private matters, read only once a child is
#: named, which few drafts do; and what a reply reads out of the brand's records (``record_``),
#: read only in a draft that may address one person. Each list in a draft's screen makes it a
#: little slower for every draft.
UNSCREENED = ("notes_", "child_matter", "record_")


def _entry_pattern(entry: str) -> str:
    # A literal space in a phrase should also find hashtags and hyphenated forms.
    return entry.replace(" ", r"[\s_-]*")


def _alternatives(entry: str) -> list[Alternative]:
    return [
        Alternative(case_blind(a.body), a.before, a.after, a.not_after)
        for a in alternatives_of(_entry_pattern(entry), before=WORD_EDGE, after=WORD_EDGE)
    ]


def _compile(entries: list[str]) -> Pattern:
    # A family's presence is itself a feature of the draft (``Scan.present``), which a screen
    # reports for free only when it screens the family as written.
    return Pattern([a for entry in entries for a in _alternatives(entry)], exact_screen=True)


class Lexicons:
    """Named, compiled, word-bounded alternations."""

    def __init__(self, patterns: dict[str, Pattern], entries: dict[str, list[str]]) -> None:
        self._patterns = patterns
        self._entries = entries

    def extended(self, name: str, phrases: list[str]) -> Lexicons:
        """A copy where list ``name`` also matches the plain ``phrases`` (e.g. the brand's own names)."""
        phrases = [p for p in phrases if p.strip()]
        if not phrases:
            return self
        # "Crunchios" should also find "a Crunchio" and "Crunchio's".
        bodies = [term_body(p[:-1] if p.lower().endswith("s") else p) + "(?:'?s)?" for p in phrases]
        entries = {**self._entries, name: self._entries[name] + bodies}
        return Lexicons({**self._patterns, name: _compile(entries[name])}, entries)

    def __getitem__(self, name: str) -> Pattern:
        return self._patterns[name]

    @property
    def names(self) -> list[str]:
        return sorted(self._patterns)

    @classmethod
    def load(cls, path: Path, *, check: bool = True) -> Lexicons:
        """The lists of ``path``; ``check=False`` skips checking each entry alone (files already
        checked, see ``bot.review.rule_cache``)."""
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            raise RuleFileError(f"{path}: expected a mapping of list name -> entries")
        compiled: dict[str, Pattern] = {}
        lists: dict[str, list[str]] = {}
        for name, entries in raw.items():
            if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
                raise RuleFileError(f"{path}: list {name!r} must be a list of non-empty strings")
            for entry in entries if check else ():
                try:
                    check_python_syntax(_entry_pattern(entry))
                    Pattern(_alternatives(entry)).check()
                except (re.error, PatternError) as exc:
                    raise RuleFileError(f"{path}: list {name!r}: bad entry {entry!r}: {exc}") from exc
            compiled[str(name)] = _compile(entries)
            lists[str(name)] = list(entries)
        missing = [n for n in REQUIRED if n not in compiled]
        if missing:
            raise RuleFileError(f"{path}: missing list(s): {', '.join(missing)}")
        return cls(compiled, lists)
