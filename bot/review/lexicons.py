"""The word lists code detectors combine, loaded from ``rules/lexicons.yaml``."""

from __future__ import annotations

import re
from pathlib import Path

from bot.review.literal_gate import Literals, required_literals
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
    "debunk", "product_pun",
)


def _entry_pattern(entry: str) -> str:
    # A literal space in a phrase should also find hashtags and hyphenated forms.
    return entry.replace(" ", r"[\s_-]*")


def _compile(entries: list[str]) -> re.Pattern[str]:
    body = "|".join(case_blind(_entry_pattern(e)) for e in entries)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


class Lexicons:
    """Named, compiled, word-bounded alternations."""

    def __init__(self, patterns: dict[str, re.Pattern[str]], entries: dict[str, list[str]]) -> None:
        self._patterns = patterns
        self._entries = entries
        self.gates: dict[str, Literals | None] = {n: required_literals(p) for n, p in patterns.items()}

    def extended(self, name: str, phrases: list[str]) -> Lexicons:
        """A copy where list ``name`` also matches the plain ``phrases`` (e.g. the brand's own names)."""
        phrases = [p for p in phrases if p.strip()]
        if not phrases:
            return self
        # "Crunchios" should also find "a Crunchio" and "Crunchio's".
        bodies = [term_body(p[:-1] if p.lower().endswith("s") else p) + "(?:'?s)?" for p in phrases]
        entries = {**self._entries, name: self._entries[name] + bodies}
        return Lexicons({**self._patterns, name: _compile(entries[name])}, entries)

    def __getitem__(self, name: str) -> re.Pattern[str]:
        return self._patterns[name]

    @property
    def names(self) -> list[str]:
        return sorted(self._patterns)

    @classmethod
    def load(cls, path: Path) -> Lexicons:
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            raise RuleFileError(f"{path}: expected a mapping of list name -> entries")
        compiled: dict[str, re.Pattern[str]] = {}
        lists: dict[str, list[str]] = {}
        for name, entries in raw.items():
            if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
                raise RuleFileError(f"{path}: list {name!r} must be a list of non-empty strings")
            for entry in entries:
                try:
                    re.compile(_entry_pattern(entry))
                except re.error as exc:
                    raise RuleFileError(f"{path}: list {name!r}: bad entry {entry!r}: {exc}") from exc
            compiled[str(name)] = _compile(entries)
            lists[str(name)] = list(entries)
        missing = [n for n in REQUIRED if n not in compiled]
        if missing:
            raise RuleFileError(f"{path}: missing list(s): {', '.join(missing)}")
        return cls(compiled, lists)
