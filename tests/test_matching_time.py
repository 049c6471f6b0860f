"""Checking time is linear in the draft, whatever the rule files say.

Worst cases are generated from every lexicon entry and every rule pattern: the words each one
names, followed by long runs of what its repeated parts accept (underscores, spaces, hyphens,
letters, apostrophes, digits, non-ASCII letters and emoji), and near misses. A pattern that
backtracks turns such a draft into minutes of work; the bounds here are generous (they catch a
hang or a super-linear blow-up, not a slow machine).

The drafts are half the length limit: ``[\\w']+ (?:messages|texts)`` run by a backtracking
engine (Python's ``re``) on ``messages ____…`` takes about 1.8 s at 10,000 characters, near
twice the ceiling, and 25 times what it takes on a quarter of that, twice the growth allowed,
so a quadratic matcher fails both bounds; time linear up to 10,000 characters stays linear up
to the limit, and ``tests/test_slack_slow_draft.py`` sends a worst case at the limit itself.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.paths import data_dir
from bot.review.intake import MAX_DRAFT_CHARS

RULES = data_dir("rules")
FILLERS = ["_", " ", "-", "a", "'", "1", "é", "🙂", "a_", "a ", "_a", "' ", "a-", "\u200b"]
FUZZ_CHARS = MAX_DRAFT_CHARS // 2  # see above: long enough for a quadratic matcher to fail clearly
SECONDS_PER_DRAFT = 1.0  # absolute ceiling for one FUZZ_CHARS-character draft
MAX_GROWTH = 12  # 4x the text may cost at most this many times the time (linear: 4)
NOISE = 0.05  # seconds: timings of a few milliseconds are noise on a busy machine, a blow-up is far above


def _words(pattern: str) -> list[str]:
    """The plain words a pattern names ("[\\w']+ (?:messages|texts)" -> messages, texts)."""
    return sorted(set(re.findall(r"[a-z][a-z']{2,}", re.sub(r"\\[a-zA-Z]", " ", pattern))))


def _entries() -> list[tuple[str, str]]:
    """``(where, pattern)`` for every lexicon entry and every rule pattern or term."""
    found = []
    lexicons = yaml.safe_load((RULES / "lexicons.yaml").read_text(encoding="utf-8"))
    for name, entries in lexicons.items():
        found += [(f"lexicons.yaml {name}", e) for e in entries]
    for path in sorted((RULES / "packs").glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            for key in ("patterns", "terms", "requires_any", "unless_any", "softened_by"):
                found += [(f"{path.name} {rule['id']} {key}", p) for p in rule.get(key, [])]
    rewrites = yaml.safe_load((RULES / "rewrites.yaml").read_text(encoding="utf-8"))
    for key in ("soften_numbers", "soften_windows"):
        found += [(f"rewrites.yaml {key}", s["pattern"]) for s in rewrites.get(key, [])]
    return found


def _worst_cases(words: list[str], length: int) -> list[str]:
    """Drafts of ``length`` characters: the words, each followed by a long run of one filler,
    and near misses (every word cut short by a letter), for every filler."""
    drafts = []
    words = words or ["x"]
    for filler in FILLERS:
        run = filler * max(1, length // (len(words) * len(filler) * 2))
        drafts.append(("".join(f"{w} {run}" for w in words) * 2)[:length].ljust(length, filler[0]))
        near = " ".join(w[:-1] for w in words)
        drafts.append(((near + filler) * (length // (len(near) + len(filler)) + 1))[:length])
    return drafts


def _named_scold(length: int) -> str:
    # Many "…, Karen." vocatives, a non-ASCII character, and a scold too far away to pair.
    body = "Ça va? " + "It's called electricity, Karen. " * (length // 30)
    return (body[: length - 420] + " " * 400 + "who hurt you 🙄")[:length]


def _drafts(length: int) -> list[tuple[str, str]]:
    words = sorted({w for _, pattern in _entries() for w in _words(pattern)})
    drafts = [("messages + underscores", ("messages " + "_" * length)[:length]),
              ("named scold", _named_scold(length)),
              # Children named a thousand times, none placed, then a school at the very end.
              ("named children", ("Happy 7th birthday to baby Isla, 6, and Jack (9)! " * length)[:length - 30]
               + " from Year 4 at Oak Primary"),
              # A named child, then one endless capitalised word before a school's word.
              ("child and one long word", ("Maisie, 7, " + "A" * length)[:length - 8] + " Primary")]
    for start in range(0, len(words), 250):
        for i, draft in enumerate(_worst_cases(words[start:start + 250], length)):
            drafts.append((f"words {start}- #{i}", draft))
    return drafts


def _best_time(checker: Any, draft: str, tries: int) -> float:
    best = float("inf")
    for _ in range(tries):  # the fastest try: the least disturbed by other processes
        start = time.perf_counter()
        checker.find_risks(draft)
        best = min(best, time.perf_counter() - start)
        if best > SECONDS_PER_DRAFT:
            break
    return best


def _time_drafts(queue: Any, length: int) -> None:
    """For each worst case: its time at ``length`` and at a quarter of it, measured back to back
    once (and again, the best of five, when either is over the ceiling or the two look out of
    proportion: a one-off pause of the machine is not a failure)."""
    from bot.review.checker import OfflineChecker

    checker = OfflineChecker()
    checker.find_risks("warm up")
    shorter = dict(_drafts(length // 4))
    for label, draft in _drafts(length):
        long = _best_time(checker, draft, 1)
        # Growth is judged only above the noise, so a faster draft needs no shorter twin.
        short = _best_time(checker, shorter[label], 1) if long > NOISE else None
        if long > SECONDS_PER_DRAFT or (short is not None and long / max(short, 1e-4) > MAX_GROWTH):
            long = _best_time(checker, draft, 5)
            short = _best_time(checker, shorter[label], 5)
        queue.put((label, (long, short)))
    queue.put(None)


def _timings(length: int, deadline: float) -> dict[str, tuple[float, float | None]]:
    """Each draft's checking times, in a child process: a draft that never finishes fails the
    test with its name instead of hanging the suite."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_time_drafts, args=(queue, length), daemon=True)
    child.start()
    times: dict[str, tuple[float, float | None]] = {}
    last = "loading the rules"
    try:
        end = time.monotonic() + deadline
        while True:
            try:
                item = queue.get(timeout=max(0.1, end - time.monotonic()))
            except Exception:
                pytest.fail(f"checking did not finish within {deadline:.0f} s; stuck after {last!r}")
            if item is None:
                return times
            last, seconds = item
            times[last] = seconds
    finally:
        child.kill()
        child.join()


def test_worst_case_drafts_are_checked_in_linear_time() -> None:
    times = _timings(FUZZ_CHARS, deadline=300)
    slow = {label: long for label, (long, _) in times.items() if long > SECONDS_PER_DRAFT}
    assert not slow, f"drafts over {SECONDS_PER_DRAFT} s: {slow}"
    grown = {
        label: round(long / max(short, 1e-4), 1)
        for label, (long, short) in times.items()
        if long > NOISE and short is not None and long / max(short, 1e-4) > MAX_GROWTH
    }
    assert not grown, f"checking time grew faster than the text (x4 text -> x time): {grown}"


def test_every_rule_pattern_alone_is_linear_on_its_worst_cases() -> None:
    from bot.review.lexicons import Lexicons
    from bot.review.rulepack import load_packs
    from bot.review.taxonomy import load_taxonomy

    lexicons = Lexicons.load(RULES / "lexicons.yaml")
    entries = _entries()
    patterns: list[tuple[str, Any, list[str]]] = []
    for name in lexicons.names:
        own = [p for where, p in entries if where == f"lexicons.yaml {name}"]
        patterns.append((f"lexicon {name}", lexicons[name], own))
    for rule in load_packs(RULES / "packs", load_taxonomy(RULES)):
        own = [p for where, p in entries if where.split(" ")[1] == rule.rule.id]
        for pattern in (rule.match, rule.requires, rule.unless, rule.softened):
            if pattern is not None:
                patterns.append((rule.rule.id, pattern, own))
    assert len(patterns) > 100
    slowest = (0.0, "")
    for where, pattern, own in patterns:
        words = sorted({w for p in own for w in _words(p)})[:60]
        for draft in _worst_cases(words, FUZZ_CHARS):
            start = time.perf_counter()
            pattern.spans(draft)
            slowest = max(slowest, (time.perf_counter() - start, where))
    assert slowest[0] < SECONDS_PER_DRAFT / 4, f"slowest pattern: {slowest}"


async def test_a_draft_over_the_limit_is_refused_before_any_matching() -> None:
    from bot.review.checker import OfflineChecker
    from bot.review.intake import DraftRejected
    from bot.review.models import Draft
    from bot.review.service import ReviewService
    from bot.settings import Settings

    class Untouchable(OfflineChecker):
        def scan(self, text: str) -> Any:
            raise AssertionError("a pattern ran on a draft over the limit")

    service = ReviewService(Settings(_env_file=None), offline_only=True, checker=Untouchable())
    with pytest.raises(DraftRejected) as refused:
        await service.review(Draft(text="messages " + "_" * MAX_DRAFT_CHARS))
    assert f"{MAX_DRAFT_CHARS:,}" in str(refused.value)


def test_the_fuzz_covers_every_rule_file() -> None:
    where = {w.split(" ")[0] for w, _ in _entries()}
    assert {"lexicons.yaml", "rewrites.yaml"} <= where
    assert {p.name for p in Path(RULES / "packs").glob("*.yaml")} <= where
