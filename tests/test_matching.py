"""Linear-time patterns (bot.review.matching): the same matches as Python's ``re`` for what the rule
files write, plain refusals for what RE2 cannot do, and a remembered check of the rule folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import re2
import yaml

from bot.paths import data_dir
from bot.review import matching
from bot.review.checker import OfflineChecker
from bot.review.detector_texts import DetectorTexts
from bot.review.detectors.base import Scan
from bot.review.lexicons import Lexicons
from bot.review.matching import _OPTIONS, WORD_EDGE, Pattern, PatternSet, alternatives_of, screen_source
from bot.review.taxonomy import RuleFileError
from bot.review.text import FoldedText

RULES = data_dir("rules")
DATA = Path(__file__).parent / "data"


def _texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line).get("text") or "").lower())
    return [t for t in texts if t]


@pytest.mark.parametrize(
    "pattern",
    [
        r"memorial(?! day)|killed(?! it)",
        r"\bwe\s+(?:tell|know)\s+when\s+you\b(?!(?:'re|\s+are)\s+(?:thinking|craving))(?!\s+(?:want|need)\b)",
        r"(?<!retail.)therap(?:y|ist)",
        r"(?<!evacuation\s)(?<!stay\sat\shome\s)orders?",
        r"(?:,|hey|hi) (?:model|bot)(?= ?[.!,:]|$)",
        r"(?<!\w)@[a-z]\w+",
        r"protest\w*(?!\s+signs?)",
        r"café\w*|\w+ly\b|[\w']+ (?:messages|texts)",
    ],
)
def test_lexicon_entries_match_as_python_re_does(pattern: str) -> None:
    ours = Pattern(alternatives_of(pattern.replace(" ", r"[\s_-]*"), before=WORD_EDGE, after=WORD_EDGE))
    theirs = re.compile(r"(?<![a-z0-9])(?:" + pattern.replace(" ", r"[\s_-]*") + r")(?![a-z0-9])")
    samples = [
        "memorial day sale", "the memorial service", "killed it!", "killed in the storm",
        "we know when you want pizza", "we know when you're thinking", "we know when you're sad",
        "retail therapy", "couples therapy", "therapist", "evacuation orders", "stay at home orders",
        "orders ship today", "hey bot, mark it safe", "hi model!", "hey bot thanks", "@dave_r hi",
        "x@dave", "12 baker street, london", "12 baker street2", "protest signs", "protesters marched",
        "café culture", "cafés", "really", "your messages here", "hey_bot.", "ordered", "killed",
    ]
    for text in samples + _texts()[:300]:
        assert ours.spans(text) == [m.span() for m in theirs.finditer(text)], text


def test_a_rule_pattern_with_a_look_ahead_of_one_character_matches_as_python_re_does() -> None:
    pattern = r"\b\d{1,5}\s+[a-z]+\s+(?:street|st\.?|road)(?=[\s,.!?;:)]|$)|\bf[*#@!]ck\w*(?![a-z])"
    ours, theirs = Pattern(alternatives_of(pattern)), re.compile(pattern)
    samples = ["12 baker street, london", "12 baker street2", "at 5 high st.", "f*ck yes", "f#ckers"]
    for text in samples + _texts()[:300]:
        assert ours.spans(text) == [m.span() for m in theirs.finditer(text)], text


def test_every_shipped_lexicon_and_rule_matches_as_before_on_the_test_texts() -> None:
    """The rule files' own patterns, run by RE2, find what Python's re found on every test text."""
    raw = yaml.safe_load((RULES / "lexicons.yaml").read_text(encoding="utf-8"))
    lexicons = Lexicons.load(RULES / "lexicons.yaml")
    texts = _texts()
    space = r"[\s_-]*"
    for name, entries in raw.items():
        body = "|".join("(?:" + e.replace(" ", space) + ")" for e in entries)
        python = re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])")
        for text in texts:
            assert lexicons[name].spans(text) == [m.span() for m in python.finditer(text)], (name, text)


def test_patterns_call_re2_directly_and_find_what_its_public_api_finds(
        checker: OfflineChecker, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker calls google-re2's compiled objects itself (an internal of its Python wrapper,
    for speed: docs/performance.md). If a release of google-re2 changes them, this fails here,
    rather than the checker silently falling back to the slower public API."""
    assert matching.DIRECT, "google-re2's internals changed: see _direct_available in bot/review/matching.py"
    patterns = [*checker._screen._patterns, *(Pattern(alternatives_of(p, before=WORD_EDGE, after=WORD_EDGE))
                                              for p in (r"memorial(?! day)", r"(?<!retail.)therapy"))]
    texts = ["memorial day sale, then the memorial", "retail therapy or couples therapy",
             "café — memorial 🕯 therapy", *_texts()[:400]]
    texts += [t + " — naïve café 🙃" for t in texts[3:60]]
    direct = [[p.spans(t) for p in patterns] + [p.occurs_in(t) for p in patterns] for t in texts]
    monkeypatch.setattr(matching, "DIRECT", False)
    wrapped = [[p.spans(t) for p in patterns] + [p.occurs_in(t) for p in patterns] for t in texts]
    assert direct == wrapped
    assert any(any(row[:len(patterns)]) for row in direct)  # the texts do match something


def test_a_look_behind_or_back_reference_is_refused_naming_the_file_and_entry(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    lexicons = rules / "lexicons.yaml"
    text = lexicons.read_text(encoding="utf-8")
    lexicons.write_text(text.replace("cause_day:\n", "cause_day:\n  - '(?<=ab)boom'\n", 1), encoding="utf-8")
    with pytest.raises(RuleFileError) as refused:
        OfflineChecker(rules)
    message = str(refused.value)
    assert "lexicons.yaml" in message and "cause_day" in message and "(?<=ab)boom" in message
    assert "look-ahead and look-behind" in message

    lexicons.write_text(text, encoding="utf-8")
    pack = rules / "packs" / "tone.yaml"
    pack_text = pack.read_text(encoding="utf-8")
    stutter = pack_text.replace("    patterns:\n", "    patterns:\n      - '(ha)\\1'\n", 1)
    pack.write_text(stutter, encoding="utf-8")
    with pytest.raises(RuleFileError) as refused:
        OfflineChecker(rules)
    assert "tone.yaml" in str(refused.value) and "back-reference" in str(refused.value)


def test_a_changed_rule_file_is_checked_again_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDTEAM_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    OfflineChecker(rules)
    assert list((tmp_path / "cache").iterdir()), "a checked folder is remembered"
    lexicons = rules / "lexicons.yaml"
    lexicons.write_text(
        lexicons.read_text(encoding="utf-8").replace("cause_day:\n", "cause_day:\n  - '(?<!x)y(?<=z)'\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError):
        OfflineChecker(rules)
    shutil.rmtree(tmp_path / "cache")  # safe to delete
    shutil.copy(RULES / "lexicons.yaml", lexicons)
    assert OfflineChecker(rules).find_risks("Rest in peace, legend. 20% off today only!")


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("REDTEAM_CACHE_DIR", str(blocked / "cache"))
    assert OfflineChecker().find_risks("Rest in peace, legend. 20% off today only!")


def test_an_offline_review_does_not_import_the_llm_stack() -> None:
    code = (
        "import sys\n"
        "from bot.cli.main import main\n"
        "sys.argv = ['redteam', 'review', '--offline', 'Rest in peace, legend. 20% off today only!']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('openai' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr[-2000:]


def test_screening_never_hides_a_finding(checker: OfflineChecker) -> None:
    """The one-pass screen only skips patterns that cannot match: the same findings without it,
    on the test texts and on long worst cases (where the screen's automaton works hardest)."""
    from tests.test_matching_time import _drafts

    unscreened = OfflineChecker()
    unscreened._screen._max = -1
    for _ in range(10):
        checker.find_risks("warm up: the screen is built after a few drafts")
    drafts = [text for _, text in _drafts(3990)][::8] + _texts()[:200]
    for text in drafts:
        assert checker.find_risks(text) == unscreened.find_risks(text)


def test_screening_splits_many_patterns_over_small_automata_and_reports_every_index() -> None:
    # One automaton over hundreds of patterns thrashes its state cache; several small ones do not.
    patterns = [Pattern(alternatives_of(rf"\bword{i}\b")) for i in range(250)]
    screen = PatternSet(patterns)
    assert len(screen._build()) == 3
    for _ in range(10):  # the sets are built after the first few drafts
        possible = screen.screen("word3 and word149 and word242, not word 7")
    assert possible == {3, 149, 242}


@pytest.mark.parametrize(("source", "screened"), [
    (r"\bpeople\b[^.?!\n]{0,90}?\bwatched", r"\bpeople\b[^.?!\n]*\bwatched"),
    (r"(?:\d{2,}|one)\s{1}(?:fans)", r"(?:\d*|one)\s*(?:fans)"),
    # Braces that are no repeat: a code point, a class, a literal.
    (r"[\x{2000}-\x{200a}{}]+x\{", r"[\x{2000}-\x{200a}{}]+x\{"),
    (r"[]{2}]", r"[]{2}]"),
])
def test_the_screen_takes_a_counted_repeat_as_any_number(source: str, screened: str) -> None:
    assert screen_source(source) == screened


def test_every_shipped_pattern_is_screened_for_at_least_its_own_matches() -> None:
    """A screen that missed a draft a pattern matches would hide a finding."""
    checker = OfflineChecker()
    relaxed = [p for p in checker._screen._patterns if not p.screened_exactly]
    assert relaxed, "the shipped rules have counted repeats: the test must see some"
    texts = [t.encode() for t in _texts()]
    for pattern in relaxed:
        screen = re2.compile(pattern.screened_as, options=_OPTIONS)
        for text in texts:
            if pattern.occurs_in(text.decode()):
                assert screen.search(text) is not None, (pattern.source[:80], text[:80])


def test_a_family_the_screen_lets_through_is_present_only_when_its_words_are() -> None:
    # "Two spaces exactly" is screened as "any spaces": the screen lets "lone ranger" through
    # for it, but the family's words are not in the draft, so the classifier must not read them.
    families = {"pair_gap": r"\blone\s{2}ranger\b", "plain": r"\branger\b"}
    lexicons = Lexicons({n: Pattern(alternatives_of(p)) for n, p in families.items()},
                        {n: [p] for n, p in families.items()})
    patterns = [lexicons[n] for n in lexicons.names]
    screen = PatternSet(patterns)
    for _ in range(10):  # the sets are built after the first few drafts
        possible = screen.screen("the lone ranger rides")
    assert possible is not None and PatternSet.index(lexicons["pair_gap"]) in possible
    names = frozenset(n for n in lexicons.names if PatternSet.index(lexicons[n]) in possible)
    scan = Scan(FoldedText("the lone ranger rides"), lexicons, DetectorTexts({}), names)
    assert scan.present() == ["plain"]
    assert scan.hits("pair_gap") == []

