"""A linear classifier trained on labelled example drafts: the checker's judgement by likeness.

Rules and detectors catch what someone thought to write down; a new draft that says the same
harmful thing in other words slips past them. The classifier learns from drafts reviewers
labelled (``rules/examples/*.jsonl``: risky or fine, which kinds of risk, the verdict each
deserves) which words and which combinations of the rule files' word families (``lexicons.yaml``)
mark a risky draft, and flags drafts that read like the risky examples.

It is data like the rules: ``redteam rules train`` rebuilds ``rules/classifier.json`` from the
examples (a comms lead adds a labelled draft and retrains), and ``redteam rules explain`` shows
the words that weighed most. At run time it is a sum of weights over the draft's features: no
model server, no network, a few microseconds per draft.

What it reports is a finding like any rule's, with the words that weighed most as its evidence.
Its grade follows the taxonomy: "do not post" only where the examples' verdicts say the idea is
the harm and the category's grading is the idea scope; "revise" for a confident flag; a note for
a weak one.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import sys
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import Stemmer
from pydantic import BaseModel, Field

from bot.review.detectors.base import Hit, Scan
from bot.review.models import Scope, Severity
from bot.review.rule_files import RuleFileError
from bot.review.taxonomy import INJECTION_CATEGORY, Taxonomy
from bot.review.text import CLAUSE_MARKS, past_the_lead_in, sentence_bounds

__all__ = [
    "FEATURES_VERSION",
    "NOT_WEIGHED",
    "SENTENCE_HEAD",
    "Classifier",
    "ClassifierDetector",
    "ClassifierFile",
    "Judgement",
    "Score",
    "describe",
    "example_key",
    "examples_digest",
    "features",
    "locate_all",
    "log_odds",
    "sentence_features",
]

#: Bumped whenever ``features`` changes what it extracts: a model of another version is stale.
FEATURES_VERSION = 7

#: Word families one detector reads for one purpose, whose words weigh nothing alone: a child's
#: allergy or a hospital stay (``child_matter``) is every parent's post until a child is named
#: beside it; the notes' "fictional" or "signed consent" (``notes_clear``, ``consent_given``)
#: clear findings, and what the notes say a photo shows (``notes_image``...) adds one; words of
#: remembrance (``remembrance``) tell a tribute from an offer only beside what else a draft says. As
#: features they moved the classifier on drafts they say nothing about (held-out real posts
#: among them), so it does not weigh them.
NOT_WEIGHED = frozenset({
    "child_matter", "notes_clear", "consent_given", "notes_image", "notes_private_detail",
    "notes_image_hidden", "holy_day_greeting", "greeting_words", "remembrance",
})


def _weighed(names: list[str]) -> list[str]:
    """The families of ``names`` the classifier weighs (in the same order)."""
    return [n for n in names if n not in NOT_WEIGHED] if NOT_WEIGHED.intersection(names) else names

# The longest quote a classifier finding gives: a sentence, not a paragraph.
_MAX_EVIDENCE = 100

#: The head scored on each sentence of a draft (``sentence_features``).
SENTENCE_HEAD = "sentence"

#: The rule id of every classifier finding (``disabled_rules: [classifier]`` turns it off).
RULE_ID = "classifier"

# Words, numbers and contractions in any script; an emoji or another symbol outside ASCII is a
# token of its own (ASCII punctuation says more about a writer's habits than about risk).
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[^\W\d_]+|[^\w\s\x00-\x7f]")
_STEMMER = Stemmer.Stemmer("english")
# Features that say nothing about risk on their own and only add noise to a small training set.
_STOP = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "is", "it", "be", "are",
    "this", "that", "with", "as", "by", "from", "was", "were", "s",
})
# When a post goes out, said without the moment ("Scheduled for Monday 9am", "goes live after
# lunch"): the labelled notes that say when a post goes out mostly do so to name the moment that
# made it risky, so these words would learn the moment's weight without carrying it.
_WHEN = frozenset({
    "schedul", "post", "publish", "go", "goe", "went", "out", "live", "queu", "sent", "send",
    "time", "morn", "afternoon", "even", "evening", "tonight", "tomorrow", "today", "noon",
    "midday", "lunch", "lunchtim", "am", "pm", "day", "week", "weekend", "hour", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues",
    "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "next",
})
_STOP_NOTES = frozenset("n:" + w for w in _STOP | _WHEN)
# A time of day ("9am", "12pm"): when, not what.
_CLOCK = re.compile(r"\d{1,2}(?:am|pm|a|p)")


_STEMS: dict[str, str] = {}
# A draft's word -> its feature ("w:" and its stem; _NO_FEATURE for a stop word): most words
# recur from draft to draft, so each is stemmed once per process.
_WORD_FEATURES: dict[str, str] = {}
_NO_FEATURE = "-"
_MAX_CACHED = 100_000


def _stem(word: str) -> str:
    stem = _STEMS.get(word)
    if stem is None:
        stem = str(_STEMMER.stemWord(word.replace("’", "").replace("'", ""))) if word.isascii() else word
        if len(_STEMS) < _MAX_CACHED:
            _STEMS[word] = stem
    return stem


def _word_feature(word: str) -> str:
    stem = _stem(word)
    feature = _NO_FEATURE if stem in _STOP else "w:" + stem
    if len(_WORD_FEATURES) < _MAX_CACHED:
        _WORD_FEATURES[word] = feature
    return feature


# The ``l:`` and ``ll:`` features of each set of word families met so far: few sets recur often.
_FAMILY_FEATURES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _family_features(names: tuple[str, ...]) -> tuple[str, ...]:
    found = [f"l:{name}" for name in names]
    found += [f"ll:{name}&{other}" for i, name in enumerate(names) for other in names[i + 1:]]
    if len(_FAMILY_FEATURES) < _MAX_CACHED:
        _FAMILY_FEATURES[names] = tuple(found)
    return tuple(found)


def features(scan: Scan) -> list[str]:
    """The draft's features (each once):

    - ``w:`` a word stem;
    - ``b:`` two stems in a row, stop words skipped ("earthquak_sale"): how a word is used
      ("shake" things up, an earthquake "shake"). Held out by writer (each writer's drafts
      scored by a model trained without them), they took the risky drafts caught at 5 % of
      look-alike fine ones flagged from 0.85 to 0.87 (``bench/classifier_by_writer.py``);
    - ``l:`` a word family of ``lexicons.yaml`` that matches, ``ll:`` two that match together
      (a tragedy and an offer: neither alone is the risk);
    - ``n:`` a stem of the author's notes and ``nl:`` a family in the notes next to ``l:`` one
      in the draft (the notes say "the morning after the earthquake", the draft sells).

    The platform is left out: on its own it says nothing about a draft's risk (the examples'
    platforms only echo their writers' habits); rules weigh it where it matters (``on_platforms``).
    """
    return _features(_TOKEN.findall(scan.folded), _weighed(scan.present()), _Notes.of(scan))


#: A sentence is judged on its own from this many words ("Thanks so much!" says nothing alone).
SENTENCE_WORDS = 3
#: A draft is judged sentence by sentence from this many words; a tweet-length draft is read
#: whole. With writers held out, long posts whose risk is one sentence were caught as often
#: (0.59) as with every draft of two sentences judged so, and all risky drafts as often (0.870);
#: drafts of two sentences or more in all, 0.846 instead of 0.850. Shorter drafts gained next to
#: nothing from it, and cost most of its time.
SENTENCE_DRAFT_WORDS = 30


def sentence_features(scan: Scan, worth: Callable[[list[str]], bool] | None = None, *,
                      notes: _Notes | None = None) -> list[tuple[Hit, list[str]]]:
    """Each sentence (``SENTENCE_WORDS`` words or more) of a draft of two such sentences or more
    and ``SENTENCE_DRAFT_WORDS`` words or more, with its ``features`` as if it stood alone, the
    author's notes still read; empty for a shorter draft.

    A long post whose risk is one line ("... and we'll match it: 0% commission this month")
    reads as mostly benign words to a model of whole drafts; the "sentence" head is trained on
    sentences, and a draft is flagged when one sentence alone reads as risky enough.

    ``worth``: given a sentence's features that do not depend on its word families (its words,
    pairs of words and notes), whether to look for its families too; a sentence it refuses is
    left out (most sentences of a draft cannot reach the flag, and the search is the cost).
    ``notes``: what the notes add, when the caller has read them already.
    """
    folded = scan.folded
    parts = []
    words = 0
    for bound in sentence_bounds(folded):
        tokens = _TOKEN.findall(folded, bound.start, bound.end)
        words += len(tokens)
        if len(tokens) >= SENTENCE_WORDS:
            parts.append(((bound.start, bound.end), tokens))
    if len(parts) < 2 or words < SENTENCE_DRAFT_WORDS:
        return []
    names = _weighed(scan.present())
    lexicons = scan.lexicons
    if notes is None:
        notes = _Notes.of(scan)
    found = []
    for hit, tokens in parts:
        plain = _features(tokens, [], notes)
        if worth is not None and not worth(plain):
            continue
        part = folded[hit[0]:hit[1]]
        inside = [n for n in names if lexicons[n].occurs_in(part)]
        found.append((hit, plain + _with_families(inside, notes) if inside else plain))
    return found


@dataclass(frozen=True, slots=True)
class _Notes:
    """What the author's notes add to each feature list: their stems and their word families."""

    words: frozenset[str]
    families: tuple[str, ...]

    @classmethod
    def of(cls, scan: Scan) -> _Notes | None:
        if scan.context is None:
            return None
        notes = scan.context.folded
        words = frozenset("n:" + _stem(t) for t in _TOKEN.findall(notes)
                          if not _CLOCK.fullmatch(t)) - _STOP_NOTES
        # Presence, as for the draft's families (``Scan.present``): a family's "not right
        # after" conditions decide a finding, not whether its words are there.
        families = tuple(name for name in scan.lexicons.names
                         if name not in NOT_WEIGHED and scan.lexicons[name].occurs_in(notes))
        return cls(words, families)


def _features(tokens: list[str], names: list[str], notes: _Notes | None) -> list[str]:
    known = _WORD_FEATURES
    words = [w for t in tokens if (w := known.get(t) or _word_feature(t)) != _NO_FEATURE]
    found = set(words)
    found.update([f"b:{a[2:]}_{b[2:]}" for a, b in itertools.pairwise(words)])
    if names:
        key = tuple(names)
        families = _FAMILY_FEATURES.get(key)
        if families is None:
            families = _family_features(key)
        found.update(families)
    if notes is not None:
        found.update(notes.words)
        for name in notes.families:
            found.add("nl:" + name)
            found.update("nl:" + name + "&" + other for other in names)
    return list(found)


def _with_families(names: list[str], notes: _Notes | None) -> list[str]:
    """What ``_features`` adds for the word families ``names`` to a draft's other features."""
    key = tuple(names)
    found = list(_FAMILY_FEATURES.get(key) or _family_features(key))
    if notes is not None:
        for name in notes.families:
            found.extend("nl:" + name + "&" + other for other in names)
    return found


def locate(scan: Scan, feature: str) -> Hit | None:
    """Where a word feature (``w:``), a pair of words (``b:``) or a family (``l:``) first occurs
    in the folded text."""
    kind, _, value = feature.partition(":")
    if kind == "w":
        for m in _TOKEN.finditer(scan.folded):
            if _stem(m.group()) == value:
                return m.span()
    elif kind == "b":
        previous: tuple[str, Hit] | None = None
        for m in _TOKEN.finditer(scan.folded):
            word = _word_feature(m.group())
            if word == _NO_FEATURE:
                continue
            if previous is not None and f"b:{previous[0][2:]}_{word[2:]}" == feature:
                return previous[1][0], m.end()
            previous = (word, m.span())
    elif kind == "l" and value in scan.lexicons.names:
        hits = scan.hits(value)
        return hits[0] if hits else None
    return None


def locate_all(scan: Scan, wanted: Iterable[str], *, within: Hit | None = None) -> dict[str, Hit]:
    """``locate`` of several features at once: the draft's words are read once, and only until
    every word and pair of words wanted has been met (a flagged draft weighs a dozen features, and
    reading the draft again for each was most of the classifier's cost). ``within``: only there
    (the sentence that carried a flag)."""
    words: set[str] = set()
    pairs: dict[tuple[str, str], str] = {}
    families: list[str] = []
    for feature in wanted:
        if feature.startswith("w:"):
            words.add(feature)
        elif feature.startswith("b:"):
            # No stem holds "_": a token is letters, digits and an apostrophe, or one symbol.
            first, _, second = feature[2:].partition("_")
            pairs[("w:" + first, "w:" + second)] = feature
        elif feature.startswith("l:"):
            families.append(feature)
    found: dict[str, Hit] = {}
    todo = len(words) + len(pairs)
    if todo:
        known = _WORD_FEATURES
        previous: tuple[str, int] | None = None
        lo, hi = within or (0, len(scan.folded))
        for m in _TOKEN.finditer(scan.folded, lo, hi):
            token = m.group()
            word = known.get(token) or _word_feature(token)
            if word == _NO_FEATURE:
                continue
            start, end = m.span()
            if word in words and word not in found:
                found[word] = (start, end)
                todo -= 1
            if previous is not None and pairs:
                pair = pairs.get((previous[0], word))
                if pair is not None and pair not in found:
                    found[pair] = (previous[1], end)
                    todo -= 1
            if not todo:
                break
            previous = (word, start)
    for feature in families:
        if within is None:
            hit = locate(scan, feature)
        elif feature[2:] in scan.lexicons.names:
            hit = next((h for h in scan.hits(feature[2:]) if within[0] <= h[0] < within[1]), None)
        else:
            hit = None
        if hit is not None:
            found[feature] = hit
    return found


def example_key(text: str, notes: str | None = None) -> str:
    """A short digest of a draft and its notes, case and spacing aside."""
    said = " ".join(text.casefold().split()) + "\x00" + " ".join((notes or "").casefold().split())
    return hashlib.sha256(said.encode()).hexdigest()[:20]


def describe(scan: Scan, feature: str, located: Mapping[str, Hit] | None = None) -> str:
    """A feature in a comms lead's words: the draft's own word, or the family and where.

    ``located``: where the draft's features are (``locate_all``), when the caller has it."""
    kind, _, value = feature.partition(":")
    hit = located.get(feature) if located is not None else locate(scan, feature)
    if kind in ("w", "b") and hit is not None:
        span = scan.span(hit)
        return f"“{scan.text.original[span.start:span.end]}”"
    if kind == "l":
        if hit is not None:
            span = scan.span(hit)
            return f"{value.replace('_', ' ')} words (“{scan.text.original[span.start:span.end]}”)"
        return f"{value.replace('_', ' ')} words"
    if kind == "ll":
        return " with ".join(v.replace("_", " ") for v in value.split("&")) + " words together"
    if kind == "n" and scan.context is not None:
        for m in _TOKEN.finditer(scan.context.folded):
            if _stem(m.group()) == value:
                span = scan.context.span(*m.span())
                return f"notes: “{scan.context.original[span.start:span.end]}”"
    if kind == "nl":
        families = value.split("&")
        said = f"notes with {families[0].replace('_', ' ')} words"
        return said + (f", draft with {families[1].replace('_', ' ')} words" if len(families) > 1 else "")
    return feature


class ClassifierFile(BaseModel):
    """``rules/classifier.json``: the trained weights and where they came from."""

    features_version: int
    #: What it was trained on: the digest of the examples and of the word families.
    examples_digest: str
    lexicons_digest: str
    examples: int
    heads: list[str] = Field(description="'risky', 'grave', then one per category id.")
    bias: list[float]
    #: The features that weigh anything (the others weigh nothing), and their weights: one per
    #: head for each feature in turn, as little-endian 32-bit floats in base64. Packed, the
    #: file loads in a few milliseconds; as JSON numbers it took a tenth of a second.
    features: list[str]
    packed_weights: str
    #: Probabilities: of the "risky" head, a flag from ``flag`` (when the features' own weights
    #: add up to at least ``evidence``); of the "grave" head, the idea itself is the harm from
    #: ``grave``. (A weaker "note" band was tried: on fine drafts it
    #: only added noise, and it doubled the classifier's cost.)
    thresholds: dict[str, float]
    #: How the thresholds were chosen, in figures (cross-validated on the examples).
    measured: dict[str, float] = Field(default_factory=dict)
    #: ``example_key`` of each fine example the weights alone would still flag: a draft a
    #: reviewer labelled fine, word for word, is never flagged by the classifier.
    fine_examples: list[str] = Field(default_factory=list)

    @classmethod
    def with_weights(cls, weights: Mapping[str, Sequence[float]], **fields: Any) -> ClassifierFile:
        """A model with ``weights`` (feature -> one weight per head) packed."""
        values = array("f")
        for row in weights.values():
            values.extend(row)
        if sys.byteorder != "little":  # pragma: no cover - the file is little-endian everywhere
            values.byteswap()
        return cls(features=list(weights), packed_weights=base64.b64encode(values.tobytes()).decode(),
                   **fields)

    def flat_weights(self) -> array[float]:
        """Every feature's weights on each head in turn, one row of ``len(heads)`` per feature.

        Kept as the file's 32-bit floats: a list of Python floats would take eight times the
        memory in every worker, and each weight read is the same double either way."""
        values = array("f")
        values.frombytes(base64.b64decode(self.packed_weights))
        if sys.byteorder != "little":  # pragma: no cover
            values.byteswap()
        if len(values) != len(self.heads) * len(self.features):
            raise ValueError("classifier.json: the weights do not match its features and heads")
        return values

    def weights(self) -> dict[str, tuple[float, ...]]:
        """Feature -> its weight on each head."""
        flat, width = self.flat_weights(), len(self.heads)
        return {f: tuple(flat[i * width:(i + 1) * width]) for i, f in enumerate(self.features)}


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the classifier makes of one draft."""

    risky: float
    grave: float
    category: str | None
    #: The features that weighed towards the category, strongest first.
    reasons: list[tuple[str, float]]
    #: Where in the folded text the risk is (empty when no feature can be located).
    where: list[Hit]
    #: Every category's probability, best first (empty when the draft was not flagged).
    categories: tuple[tuple[str, float], ...] = ()
    #: The sentence (in the folded text) that carried the flag on its own, when the whole
    #: draft's words did not (``sentence_features``).
    sentence: Hit | None = None


class Score(NamedTuple):
    """``Classifier.score``: what one sum (or one per sentence) makes of a draft."""

    features: list[str]
    risky: float
    flagged: bool
    #: The sentence that carried the flag alone (``features`` are then its own), or None.
    sentence: Hit | None
    #: The model's row of each of ``features`` it knows (``Classifier.rows``).
    rows: list[int]


# The features that depend on the draft's word families (``_features``).
_FAMILY_KINDS = ("l:", "ll:", "nl:")


def log_odds(p: float) -> float:
    """The log-odds of a probability (±inf at 1 and 0)."""
    return math.log(p / (1.0 - p)) if 0.0 < p < 1.0 else (math.inf if p >= 1.0 else -math.inf)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


#: Drafts scored through their feature strings before ``Classifier._rows_of`` makes its table.
_STRING_ROWS_DRAFTS = 8


class Classifier:
    """The loaded model: ``judge(scan)`` sums the weights of the draft's features."""

    def __init__(self, model: ClassifierFile) -> None:
        self.model = model
        self.heads = model.heads
        # Rows are sliced out of one flat array when a flagged draft needs every head: a tuple per
        # feature, made at load, cost more than half the start-up of a one-draft review.
        self._flat = model.flat_weights()
        self._width = width = len(self.heads)
        # One lookup per feature gives its row; each head's weights are then read by row number.
        # A lookup in a model this size mostly waits on memory, so a draft's features are looked
        # up once, and not again in a table per head.
        self._row_of = dict(zip(model.features, range(len(model.features)), strict=True))
        # A draft's rows are read straight from its tokens (``_rows_of``): a pair of words is
        # found by its two word features, with no "b:" string built for each pair of the draft.
        # The table of pairs costs about as much to make as the rest of the model, so it is made
        # once a few drafts have been scored: a command that reviews one draft never pays for it.
        self._pair_row: dict[tuple[str, str], int] | None = None
        self._scored = 0
        self._token_rows: dict[str, tuple[str, int]] = {}
        self._family_rows: dict[tuple[str, ...], list[int]] = {}
        # The "risky" head alone, which every draft needs (the other heads only flagged ones).
        self._risky = self._flat[0::width]
        self._grave = self._flat[1::width]
        self._categories = [(i, h.removeprefix("cat:")) for i, h in enumerate(self.heads)
                            if h.startswith("cat:")]
        # A model trained before sentences were judged has no "sentence" head: it judges drafts.
        self._sentence: Sequence[float] | None = None
        self._sentence_up: Sequence[float] = ()
        self._sentence_bias = 0.0
        if SENTENCE_HEAD in self.heads and "sentence" in model.thresholds:
            at = self.heads.index(SENTENCE_HEAD)
            self._sentence = sentence = self._flat[at::width]
            # A sentence's features are some of the draft's, so the draft's features that weigh
            # for the head bound what any of its sentences can score: most drafts stop there.
            self._sentence_up = array("f", [w if w > 0 else 0.0 for w in sentence])
            self._sentence_bias = model.bias[at]
            self.sentence_at = model.thresholds["sentence"]
        self.flag = model.thresholds["flag"]
        self.grave_at = model.thresholds["grave"]
        self.evidence_floor = model.thresholds.get("evidence", -math.inf)
        self._fine_examples = frozenset(model.fine_examples)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        """The model in ``path``; RuleFileError (saying to retrain) when it is unreadable or was
        trained for another version of the features."""
        try:
            model = ClassifierFile.model_validate_json(path.read_bytes())
            classifier = cls(model)
        except (OSError, ValueError) as exc:
            raise RuleFileError(f"{path.name} cannot be read ({type(exc).__name__}): "
                                "run: redteam rules train") from None
        if model.features_version != FEATURES_VERSION:
            raise RuleFileError(f"{path.name} was trained for another version of the checker: "
                                "run: redteam rules train")
        return classifier

    def score(self, scan: Scan, *, listed: bool = False) -> Score:
        """The draft's features, its "risky" probability, and whether that is a flag: of the
        whole draft, or of one sentence (whose features it then gives). The features are listed
        for a flagged draft, or for any with ``listed``; an unflagged one gets none."""
        # ``features(scan)``, with the draft's words counted and its notes read once.
        tokens = _TOKEN.findall(scan.folded)
        notes = _Notes.of(scan)
        names = _weighed(scan.present())
        rows = self._rows_of(tokens, names, notes)
        # The features themselves, as strings, only where they are read (a flag, a sentence).
        found: list[str] | None = _features(tokens, names, notes) if listed else None
        # fsum is exact: a draft's grade on a threshold's edge never depends on the order of the
        # features, which changes from one process to the next.
        risky_weights = self._risky
        evidence = math.fsum([risky_weights[r] for r in rows])
        risky = _sigmoid(self.model.bias[0] + evidence)
        flagged = risky >= self.flag and evidence >= self.evidence_floor
        sentence: Hit | None = None
        if (not flagged and self._sentence is not None and len(tokens) >= SENTENCE_DRAFT_WORDS
                and self._sentence_may_flag(rows)):
            weights = self._sentence
            if found is None:
                found = _features(tokens, names, notes)
            best, found_in, rows_in = -math.inf, found, rows
            for hit, part in sentence_features(scan, self._sentence_worth(found), notes=notes):
                part_rows = self.rows(part)
                said = math.fsum([weights[r] for r in part_rows])
                if said > best and said >= self.evidence_floor:
                    best, sentence, found_in, rows_in = said, hit, part, part_rows
            if sentence is not None and _sigmoid(self._sentence_bias + best) >= self.sentence_at:
                found, rows, flagged = found_in, rows_in, True
            else:
                sentence = None
        if flagged and self._fine_examples and example_key(
                scan.text.original, scan.context.original if scan.context else None) in self._fine_examples:
            flagged, sentence = False, None
        if found is None:
            found = _features(tokens, names, notes) if flagged else []
        return Score(found, risky, flagged, sentence, rows)

    def _rows_of(self, tokens: list[str], names: list[str], notes: _Notes | None) -> list[int]:
        """``rows(_features(tokens, names, notes))``, read from the tokens directly."""
        pair_row = self._pair_row
        if pair_row is None:
            self._scored += 1
            if self._scored <= _STRING_ROWS_DRAFTS:
                return self.rows(_features(tokens, names, notes))
            self._pair_row = pair_row = {
                ("w:" + first, "w:" + second): row for feature, row in self._row_of.items()
                if feature.startswith("b:") for first, _, second in [feature[2:].partition("_")]}
        row_of, token_rows = self._row_of, self._token_rows
        found: set[int] = set()
        previous: str | None = None
        for token in tokens:
            known = token_rows.get(token)
            if known is None:
                word = _WORD_FEATURES.get(token) or _word_feature(token)
                known = (word, row_of.get(word, -1))
                if len(token_rows) < _MAX_CACHED:
                    token_rows[token] = known
            word, row = known
            if word == _NO_FEATURE:
                continue
            if row >= 0:
                found.add(row)
            if previous is not None:
                pair = pair_row.get((previous, word))
                if pair is not None:
                    found.add(pair)
            previous = word
        if names:
            key = tuple(names)
            family = self._family_rows.get(key)
            if family is None:
                family = self.rows(_FAMILY_FEATURES.get(key) or _family_features(key))
                if len(self._family_rows) < _MAX_CACHED:
                    self._family_rows[key] = family
            found.update(family)
        if notes is not None:
            found.update(self.rows(notes.words))
            found.update(self.rows("nl:" + name for name in notes.families))
            found.update(self.rows("nl:" + name + "&" + other
                                   for name in notes.families for other in names))
        return list(found)

    def rows(self, features: Iterable[str]) -> list[int]:
        """The model's row of each of ``features`` it knows (the others weigh nothing)."""
        row_of = self._row_of
        return [r for f in features if (r := row_of.get(f)) is not None]

    def _sentence_may_flag(self, rows: list[int]) -> bool:
        """Whether any sentence of a draft with the features of ``rows`` could reach the sentence flag."""
        up = self._sentence_up
        most = math.fsum([up[r] for r in rows])
        return _sigmoid(self._sentence_bias + most) >= self.sentence_at

    def _sentence_worth(self, found: list[str]) -> Callable[[list[str]], bool]:
        """``sentence_features``'s ``worth`` for a draft with ``found``: a sentence's own words,
        with the most its word families could add (those of the draft's families that weigh
        for the head), could reach the flag."""
        weights, up = self._sentence or (), self._sentence_up
        most = math.fsum([up[r] for r in self.rows(f for f in found if f.startswith(_FAMILY_KINDS))])
        # The two sums are rounded apart; a hair's margin keeps a sentence on the edge in.
        floor = log_odds(self.sentence_at) - self._sentence_bias - most - 1e-9

        def worth(plain: list[str]) -> bool:
            return math.fsum([weights[r] for r in self.rows(plain)]) >= floor
        return worth

    def grave(self, rows: Sequence[int]) -> float:
        """The "grave" probability (the idea itself is the harm) of a draft whose features are
        at ``rows`` of the model (``Score.rows``)."""
        grave = self._grave
        return _sigmoid(self.model.bias[1] + math.fsum([grave[r] for r in rows]))

    def judge(self, scan: Scan, *, always: bool = False) -> Judgement:
        """Sum the weights of the draft's features; below the flag, the category and the
        reasons are left out unless ``always`` (to explain a draft that was not flagged)."""
        found, risky, flagged, sentence, _ = self.score(scan, listed=always)
        if not flagged and not always:
            # Most drafts stop here, after one sum: the other heads only matter for risky ones.
            return Judgement(risky, 0.0, None, [], [])
        return self.judge_features(scan, found, risky, sentence=sentence)

    def judge_features(self, scan: Scan, found: list[str], risky: float, *,
                       locate_risk: bool = True, sentence: Hit | None = None) -> Judgement:
        """``judge`` of a draft whose features and "risky" probability are known (``found``: those
        of ``sentence`` when one sentence carried the flag); ``locate_risk=False`` leaves
        ``where`` empty (for a caller that may not need it)."""
        row_of, flat, width = self._row_of, self._flat, self._width
        bias = self.model.bias
        named = [(f, flat[at * width:(at + 1) * width]) for f in found if (at := row_of.get(f)) is not None]
        columns = zip(*(w for _, w in named), strict=True)
        totals = [b + math.fsum(c) for b, c in zip(bias, columns, strict=True)] if named else list(bias)
        head, category = max(((totals[i], i, name) for i, name in self._categories),
                             key=lambda t: t[0])[1:]
        # What made it risky and this kind of risk: weight on both heads.
        weighed = sorted(((f, w[0] + w[head]) for f, w in named if w[0] > 0 and w[head] > 0),
                         key=lambda fw: (-fw[1], fw[0]))
        ranked = tuple(sorted(((name, _sigmoid(totals[i])) for i, name in self._categories),
                              key=lambda cp: -cp[1]))
        return Judgement(risky, _sigmoid(totals[1]), category, weighed,
                         _evidence(scan, weighed, within=sentence) if locate_risk else [], ranked, sentence)


def _evidence(scan: Scan, weighed: list[tuple[str, float]],
              located: Mapping[str, Hit] | None = None, *, within: Hit | None = None) -> list[Hit]:
    """Where the risk is: in the sentence whose located features weigh most (``within``: the
    sentence that carried the flag), the words from its first to its last such feature; when
    that runs long, the stretch of at most ``_MAX_EVIDENCE`` characters whose features weigh
    most (one word alone says little of why: "ladies" for a couple outed to their parents)."""
    if located is None:
        located = locate_all(scan, [f for f, _ in weighed], within=within)
    located = _for_the_audience(scan, located)
    places = [(hit, weight) for feature, weight in weighed if (hit := located.get(feature)) is not None]
    if not places:
        return []
    # One pass over the sentences and the places, both in reading order: linear in the draft.
    places.sort(key=lambda hw: hw[0][0])
    best: tuple[float, list[tuple[Hit, float]]] = (0.0, [])
    next_place = 0
    for bound in sentence_bounds(scan.folded):
        while next_place < len(places) and places[next_place][0][0] < bound.start:
            next_place += 1
        inside = []
        while next_place < len(places) and places[next_place][0][0] < bound.end:
            (start, end), weight = places[next_place]
            if end > bound.end:
                # A pair of words read across a sentence's end ("this month. New year"): the
                # quote keeps to the sentence, or it would end on the next one's first word.
                end = _before_the_stop(scan.folded, start, bound.end)
            inside.append(((start, end), weight))
            next_place += 1
        total = sum(w for _, w in inside)
        if inside and total > best[0]:
            best = (total, inside)
    inside = best[1] or places
    start = min(h[0] for h, _ in inside)
    end = max(h[1] for h, _ in inside)
    if end - start > _MAX_EVIDENCE:
        start, end = _heaviest_stretch(inside)
    return [_whole_clause(scan.folded, start, end)]


def _before_the_stop(text: str, start: int, end: int) -> int:
    """``end`` moved back over the stops that close a sentence (``text[start:end]`` keeps one
    character at least), so that growing the quote to its clause does not run into the next."""
    while end > start + 1 and text[end - 1] in ".!?":
        end -= 1
    return end


#: How many words a quote may grow by at either edge to reach its clause's start or end.
_CLAUSE_REACH = 4
#: How far past ``_MAX_EVIDENCE`` a quote may run to reach a word it can stop on.
_LEAD_IN_OVERRUN = 24


def _whole_clause(text: str, start: int, end: int) -> Hit:
    """``(start, end)`` grown to the start and the end of its clause when each is at most
    ``_CLAUSE_REACH`` words away and the quote stays within ``_MAX_EVIDENCE``: the weighed words
    often stop short of what reads as a phrase ("You know who you" for "You know who you are")."""
    after = end
    while after < len(text) and text[after] not in CLAUSE_MARKS:
        after += 1
    tail = text[end:after]
    if len(tail.split()) <= _CLAUSE_REACH and len(tail.rstrip()) + end - start <= _MAX_EVIDENCE:
        end += len(tail.rstrip())
    before = start
    while before > 0 and text[before - 1] not in CLAUSE_MARKS:
        before -= 1
    head = text[before:start]
    if len(head.split()) <= _CLAUSE_REACH and len(head.lstrip()) + end - start <= _MAX_EVIDENCE:
        start -= len(head.lstrip())
    return start, past_the_lead_in(text, end, until=start + _MAX_EVIDENCE + _LEAD_IN_OVERRUN)


def _for_the_audience(scan: Scan, located: Mapping[str, Hit]) -> Mapping[str, Hit]:
    """``located`` without what lies in a sentence aimed at the reviewer (an injection, which
    has its own finding and is no evidence of a harm to the audience), unless nothing else is."""
    aimed = [f.span for f in scan.findings if f.category == INJECTION_CATEGORY]
    if not aimed:
        return located
    to_reviewer = [b for b in sentence_bounds(scan.folded)
                   if any(s.start < (at := scan.span((b.start, b.end))).end and at.start < s.end
                          for s in aimed)]
    audience = {feature: hit for feature, hit in located.items()
                if not any(b.start <= hit[0] < b.end for b in to_reviewer)}
    return audience or located


def _heaviest_stretch(places: list[tuple[Hit, float]]) -> Hit:
    """Of ``places`` (in reading order; a flag weighs a dozen features at most), the run of
    consecutive ones spanning at most ``_MAX_EVIDENCE`` characters whose weights add up most,
    or the strongest place alone when it outweighs every such run."""
    strongest = max(places, key=lambda hw: hw[1])
    best_total, best = strongest[1], strongest[0]
    for first, ((start, _), _) in enumerate(places):
        end, total = 0, 0.0
        for (_, stop), weight in places[first:]:
            end, total = max(end, stop), total + weight
            if end - start > _MAX_EVIDENCE:
                break
            if total > best_total:
                best_total, best = total, (start, end)
    return best


#: How likely an idea-scope category must be for a grave draft whose likeliest category is a
#: wording one to be reported under it as well (one-vs-rest probabilities, so several can pass).
IDEA_CATEGORY_AT = 0.5


class ClassifierDetector:
    """The classifier as a detector: runs last and adds what the rules did not already say."""

    def __init__(self, classifier: Classifier, taxonomy: Taxonomy) -> None:
        self.classifier = classifier
        self.taxonomy = taxonomy
        # The severity from which a finding of each category means "do not post", and "revise".
        critical, medium = Severity.critical.rank, Severity.medium.rank
        self._grave_from = {c: g.floor.rank if g.scope is Scope.idea else critical
                            for c, g in taxonomy.grading.items()}
        self._revise_from = {c: medium if g.scope is Scope.idea else max(g.floor.rank, medium)
                             for c, g in taxonomy.grading.items()}
        self._critical, self._medium = critical, medium
        self._idea = frozenset(c for c, g in taxonomy.grading.items() if g.scope is Scope.idea)

    def severity(self, judgement: Judgement) -> Severity:
        grading = self.taxonomy.grading.get(judgement.category or "")
        if (judgement.grave >= self.classifier.grave_at
                and grading is not None and grading.scope is Scope.idea):
            return Severity.high
        return Severity.medium

    def __call__(self, scan: Scan) -> None:
        grave_from, critical = self._grave_from, self._critical
        if any(f.severity.rank >= grave_from.get(f.category, critical) for f in scan.findings):
            return  # the rules already say "do not post": nothing the classifier adds changes that
        classifier = self.classifier
        found, risky, flagged, sentence, rows = classifier.score(scan)
        if not flagged:
            return
        revise_from, medium = self._revise_from, self._medium
        if (any(f.severity.rank >= revise_from.get(f.category, medium) for f in scan.findings)
                and classifier.grave(rows) < classifier.grave_at):
            return  # the rules already ask for a revision, and this is no graver: nothing to add
        judgement = classifier.judge_features(scan, found, risky, locate_risk=False, sentence=sentence)
        category = judgement.category
        if category is None or category not in self.taxonomy:
            return
        said_as = [(category, self.severity(judgement))]
        if judgement.grave >= classifier.grave_at and said_as[0][1] is not Severity.high:
            # Grave, but the likeliest kind of risk is one whose wording can be fixed (watching
            # customers): the idea-scope kind it also reads as (what was watched was private)
            # is what makes it grave, and it is said too.
            idea = next((c for c, p in judgement.categories
                         if p >= IDEA_CATEGORY_AT and c in self._idea), None)
            if idea is not None:
                said_as.append((idea, Severity.high))
        todo = [(c, sev) for c, sev in said_as if c not in scan.ruled_out
                and not any(f.category == c and f.severity.rank >= sev.rank for f in scan.findings)]
        if not todo:
            return
        located = locate_all(scan, [f for f, _ in judgement.reasons], within=sentence)
        where = _evidence(scan, judgement.reasons, located)
        if not where:
            return
        strongest = [f for f, _ in judgement.reasons if f.startswith(("w:", "b:", "l:"))][:3]
        said = [describe(scan, f, located) for f in strongest]
        for category, severity in todo:
            label = self.taxonomy.label(category).lower()
            message = (f"Reads like the labelled examples of {label}: drafts worded this way were "
                       f"judged {'too risky to post' if severity is Severity.high else 'risky'} by "
                       "reviewers" + (f" (weighing most: {', '.join(said)})." if said else "."))
            scan.add(RULE_ID, category, severity, where[0], message)


def examples_digest(paths: Iterable[Path]) -> str:
    """One digest of the example files' contents, in name order."""
    h = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def read_examples(paths: Sequence[Path]) -> list[dict[str, object]]:
    """Every example draft in the JSONL files (blank lines skipped)."""
    rows: list[dict[str, object]] = []
    for path in sorted(paths, key=lambda p: p.name):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
    return rows
