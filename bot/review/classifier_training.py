"""Training ``rules/classifier.json`` from the labelled examples (``redteam rules train``).

scikit-learn fits the weights (one logistic regression per head) and chooses the thresholds by
cross-validation on the examples themselves: a flag where no more than ``fine_flagged`` of the
fine examples would be flagged, so the false-positive rate is a setting of the training, not a
side effect. The result is plain JSON; the checker reads it without scikit-learn.

Every example line is ``{"text", "label": "backlash"|"fine", "risk_categories": [...],
"deserved": "ship"|"revise"|"do_not_post" (optional), "notes" (optional), "platform" (optional),
"everyday": true (optional: an ordinary post, left out when the flag's threshold is chosen)}``.

``rules/examples/routine_notes.txt`` holds notes that change nothing about a draft's risk (when
it goes out, what the photo shows, who signed it off). Most labelled drafts with notes are risky
because their notes say why ("the morning after the earthquake"), so without these every word
of a note would learn to weigh towards risk: a share of the drafts without notes, fine and
risky alike, is trained a second time with one of them, its label unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.review.checker import OfflineChecker
from bot.review.classifier import (
    FEATURES_VERSION,
    SENTENCE_HEAD,
    ClassifierFile,
    example_key,
    examples_digest,
    features,
    log_odds,
    read_examples,
    sentence_features,
)
from bot.review.detectors.base import Scan

__all__ = ["TrainingError", "example_features", "example_files", "is_current", "noted_copies",
           "routine_notes", "rule_examples", "train", "train_from_rules", "weighable"]

#: A feature must appear in this many examples to get a weight: one draft's quirks teach nothing.
_MIN_EXAMPLES = 2
#: Pairs of words are many and each is rarer: three examples, which leaves about 27,000 features
#: instead of 43,000 at the same recall held out by writer.
_MIN_EXAMPLES_PAIR = 3
_FOLDS = 5
#: The least the features' own weights (the intercept aside) must add up to for a flag.
EVIDENCE_FLOOR = 0.0
# Weights this small change no draft's grade; leaving them out keeps the file small.
_NEGLIGIBLE = 1e-3
#: How much surer (in log-odds) one sentence must be than a whole draft to flag it alone: a
#: draft of five sentences has five chances to look risky. Held out by writer, 1.5 kept the
#: share of risky drafts flagged at 0.870 and took long posts whose risk is one sentence from
#: 0.33 to 0.59 (0.72 at 0, with more fine long posts flagged; ``docs/quality.md``).
SENTENCE_MARGIN = 1.5


#: The share of the examples without notes trained a second time with a routine note.
NOTED_SHARE = 0.04
ROUTINE_NOTES = "routine_notes.txt"


class TrainingError(ValueError):
    """The examples cannot train a model (too few, a bad line); the message says which."""


def example_files(rules_dir: Path) -> list[Path]:
    return sorted((rules_dir / "examples").glob("*.jsonl"))


def routine_notes(rules_dir: Path) -> list[str]:
    """The notes of ``rules/examples/routine_notes.txt``: one a line, ``#`` starts a comment."""
    path = rules_dir / "examples" / ROUTINE_NOTES
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _draw(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def noted_copies(rows: Sequence[dict[str, Any]], notes: Sequence[str],
                 share: float = NOTED_SHARE) -> list[tuple[int, dict[str, Any]]]:
    """(index, copy) for about ``share`` of the ``rows`` without notes: the same draft, label and
    categories, with one of ``notes``. Which rows and which note follow the draft's text, so
    a retraining on the same examples draws the same copies."""
    if not notes or share <= 0.0:
        return []
    cut = int(share * 2**64)
    copies: list[tuple[int, dict[str, Any]]] = []
    for i, row in enumerate(rows):
        if (row.get("notes") or "").strip():
            continue
        drawn = _draw(example_key(str(row["text"])))
        if drawn < cut:
            note = notes[_draw(f"{drawn}") % len(notes)]
            copies.append((i, {**row, "id": f"{row.get('id', i)} with a routine note", "notes": note}))
    return copies


def rule_examples(checker: OfflineChecker) -> list[dict[str, Any]]:
    """The rule packs' own examples as labelled drafts: each ``flag`` draft is risky in its rule's
    categories, each ``pass`` draft is fine (the checker must ship it, classifier included)."""
    rows: list[dict[str, Any]] = []
    for compiled in checker.rules:
        rule = compiled.rule
        categories = [rule.category, *rule.also]
        rows.extend({"id": f"{rule.id} flag {n}", "text": text, "label": "backlash",
                     "risk_categories": categories} for n, text in enumerate(rule.examples.flag, 1))
        rows.extend({"id": f"{rule.id} pass {n}", "text": text, "label": "fine", "risk_categories": []}
                    for n, text in enumerate(rule.examples.pass_, 1))
    return rows


def lexicons_digest(rules_dir: Path) -> str:
    return hashlib.sha256((rules_dir / "lexicons.yaml").read_bytes()).hexdigest()


def training_digest(checker: OfflineChecker) -> str:
    """One digest of everything the classifier learns from: the example files and the rules'
    examples (editing a rule's pattern leaves it as it is; editing its examples does not)."""
    h = hashlib.sha256(examples_digest(example_files(checker.rules_dir)).encode())
    h.update(json.dumps(rule_examples(checker), sort_keys=True).encode())
    notes = routine_notes(checker.rules_dir)
    if notes:
        h.update(json.dumps([NOTED_SHARE, notes]).encode())
    return h.hexdigest()


def is_current(model: ClassifierFile, checker: OfflineChecker) -> bool:
    """Whether ``model`` was trained on today's examples and word families."""
    return (model.features_version == FEATURES_VERSION
            and model.examples_digest == training_digest(checker)
            and model.lexicons_digest == lexicons_digest(checker.rules_dir))


def _check(rows: Sequence[dict[str, Any]], categories: set[str]) -> None:
    for number, row in enumerate(rows, 1):
        where = f"example {row.get('id', number)}"
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            raise TrainingError(f"{where}: no text")
        if row.get("label") not in ("backlash", "fine"):
            raise TrainingError(f"{where}: label must be 'backlash' or 'fine'")
        unknown = set(row.get("risk_categories") or ()) - categories
        if unknown:
            raise TrainingError(f"{where}: unknown categories {sorted(unknown)}")
        if row.get("deserved") not in (None, "ship", "revise", "do_not_post"):
            raise TrainingError(f"{where}: deserved must be ship, revise or do_not_post")
    risky = sum(r["label"] == "backlash" for r in rows)
    if risky < 20 or len(rows) - risky < 20:
        raise TrainingError(f"need at least 20 risky and 20 fine examples (have {risky} and "
                            f"{len(rows) - risky})")


def example_features(checker: OfflineChecker, rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    """Each example's features, as the checker finds them in a draft with its notes."""
    return [features(scan) for scan in _scans(checker, rows)]


def _scans(checker: OfflineChecker, rows: Sequence[dict[str, Any]]) -> list[Scan]:
    return [checker.prepare(str(r["text"]), r.get("notes") or None, r.get("platform") or None)
            for r in rows]


def weighable(found: Sequence[Sequence[str]]) -> list[dict[str, float]]:
    """Each example's features that occur in enough examples to be given a weight."""
    counts: dict[str, int] = {}
    for f in found:
        for name in f:
            counts[name] = counts.get(name, 0) + 1
    return [{name: 1.0 for name in f
             if counts[name] >= (_MIN_EXAMPLES_PAIR if name.startswith("b:") else _MIN_EXAMPLES)}
            for f in found]


def _quantile_above(values: Sequence[float], share: float) -> float:
    """The smallest threshold that leaves no more than ``share`` of ``values`` at or above it."""
    ordered = sorted(values, reverse=True)
    allowed = int(share * len(ordered))
    if allowed >= len(ordered):
        return 0.0
    return min(1.0, ordered[allowed] + 1e-6)


def _probability(odds: float) -> float:
    if odds == math.inf:
        return 1.0
    return 0.0 if odds == -math.inf else 1.0 / (1.0 + math.exp(-odds))


def _share(flags: Any) -> float:
    return round(float(flags.mean()), 3) if len(flags) else 0.0


def train(checker: OfflineChecker, rows: Sequence[dict[str, Any]], *, fine_flagged: float = 0.07,
          everyday_flagged: float = 0.03,
          revise_graded_grave: float = 0.15, strength: float = 1.0,
          sentence_margin: float | None = SENTENCE_MARGIN,
          notes: Sequence[str] = (), noted_share: float = NOTED_SHARE,
          digest: str = "", lexicons: str = "") -> ClassifierFile:
    """Fit the heads on ``rows`` and choose thresholds by cross-validation.

    ``fine_flagged``: the share of fine look-alike examples a flag may catch (out of fold). The
    default, 7 %, sits well inside the product's promise that nine in ten fine drafts ship: in a
    team's queue the look-alikes are a minority of the fine drafts, and the everyday posts around
    them are held to their own, stricter limit;
    ``everyday_flagged``: the same for the fine examples marked ``everyday`` (ordinary posts);
    ``revise_graded_grave``: the share of drafts that deserve "revise" that may be called grave;
    ``sentence_margin``: how much surer one sentence must be than a whole draft to flag it alone
    (the "sentence" head, ``classifier.sentence_features``); None trains no such head;
    ``notes``: routine notes, and ``noted_share`` of the rows without notes trained again with one
    (``noted_copies``). A copy trains every model its draft trains, and is never held out: the
    thresholds are chosen on the examples as written.
    """
    try:
        import numpy as np
        import scipy.sparse as sp
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise TrainingError("training needs scikit-learn: pip install 'redteam-reviewer[train]'") from exc

    for name, share in (("fine_flagged", fine_flagged), ("everyday_flagged", everyday_flagged),
                        ("revise_graded_grave", revise_graded_grave)):
        if not 0.0 <= share < 1.0:
            raise TrainingError(f"{name.replace('_', ' ')} must be a share from 0 to 1, such as 0.05; "
                                f"got {share}")
    categories = checker.taxonomy.ids
    _check(rows, set(categories))
    written = len(rows)
    copies = noted_copies(rows, notes, noted_share)
    source = np.array([i for i, _ in copies], dtype=int)
    rows = [*rows, *(copy for _, copy in copies)]
    original = np.arange(len(rows)) < written
    scans = _scans(checker, rows)
    kept = weighable([features(scan) for scan in scans])
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(kept).tocsr()
    risky = np.array([r["label"] == "backlash" for r in rows])

    def fit(xs: Any, ys: Any) -> Any:
        model = LogisticRegression(C=strength, class_weight="balanced", max_iter=2000)
        return model.fit(xs, ys)

    # Sentences of drafts of two or more, in the drafts' vocabulary; ``owner``: whose each is.
    sentences: Any = None
    owner = np.zeros(0, dtype=int)
    if sentence_margin is not None:
        parts = [(i, part) for i, scan in enumerate(scans) for _, part in sentence_features(scan)]
        owner = np.array([i for i, _ in parts], dtype=int)
        sentences = (vectorizer.transform([dict.fromkeys(part, 1.0) for _, part in parts]).tocsr() if parts
                     else sp.csr_matrix((0, x.shape[1])))
    in_sentences = np.zeros(len(rows), dtype=bool)
    in_sentences[owner] = True

    def fit_sentences(on: Any, whole: Any) -> Any:
        """The "sentence" head, fit on the drafts ``on``: a draft of one sentence as it is, each
        sentence of a fine draft as fine, and of a risky draft the one sentence ``whole`` (the
        draft model) finds riskiest as risky (which sentence carries the risk is not labelled)."""
        chosen = np.zeros(len(rows), dtype=bool)
        chosen[on] = True
        mine = np.flatnonzero(chosen[owner])
        said = whole.decision_function(sentences[mine]) if len(mine) else np.zeros(0)
        riskiest: dict[int, tuple[float, int]] = {}
        for j, value in zip(mine.tolist(), said.tolist(), strict=True):
            o = int(owner[j])
            if risky[o] and (o not in riskiest or value > riskiest[o][0]):
                riskiest[o] = (value, j)
        fine_parts = [j for j in mine.tolist() if not risky[owner[j]]]
        alone = np.flatnonzero(chosen & ~in_sentences).tolist()
        risky_parts = [j for _, j in riskiest.values()]
        xs = sp.vstack([x[alone], sentences[risky_parts], sentences[fine_parts]]).tocsr()
        ys = np.concatenate([risky[alone], np.ones(len(risky_parts), dtype=bool),
                             np.zeros(len(fine_parts), dtype=bool)])
        return fit(xs, ys)

    def riskiest_sentence(model: Any, of: Any) -> Any:
        """Per draft of ``of``, the log-odds of its riskiest sentence with evidence (-inf: none)."""
        best = np.full(len(rows), -np.inf)
        mine = np.flatnonzero(np.isin(owner, of))
        if len(mine):
            said = model.decision_function(sentences[mine])
            own = said - model.intercept_[0]
            for j, value, alone in zip(mine.tolist(), said.tolist(), own.tolist(), strict=True):
                if alone >= EVIDENCE_FLOOR:
                    o = int(owner[j])
                    best[o] = max(best[o], value)
        return best

    # Out-of-fold scores: what the model says of examples it was not trained on. A flag needs
    # both a probability over the threshold and features that point to risk on their own
    # (their sum, without the intercept, at least EVIDENCE_FLOOR): a short post of common
    # words ("See you next week!") is then never flagged on the examples' base rate alone.
    # A sentence flags alone when its log-odds, less ``sentence_margin``, pass the draft's flag:
    # the out-of-fold score is the greater of the two, and the flag is set on it.
    out_of_fold_log_odds = np.full(len(rows), -np.inf)
    for train_idx, test_idx in StratifiedKFold(_FOLDS, shuffle=True, random_state=0).split(
            x[:written], risky[:written]):
        trained = np.zeros(written, dtype=bool)
        trained[train_idx] = True
        train_idx = np.concatenate([train_idx, written + np.flatnonzero(trained[source])])
        fold = fit(x[train_idx], risky[train_idx])
        said = fold.decision_function(x[test_idx])
        own = said - fold.intercept_[0]
        out_of_fold_log_odds[test_idx] = np.where(own >= EVIDENCE_FLOOR, said, -np.inf)
        if sentence_margin is not None:
            by_sentence = riskiest_sentence(fit_sentences(train_idx, fold), test_idx)[test_idx]
            out_of_fold_log_odds[test_idx] = np.maximum(out_of_fold_log_odds[test_idx],
                                                        by_sentence - sentence_margin)
    with np.errstate(over="ignore"):
        out_of_fold = 1.0 / (1.0 + np.exp(-out_of_fold_log_odds))
    # The flag is set on the fine drafts that look risky, not on everyday posts: an easy post
    # scores far below any threshold, so counting them would let the flag sink until more of
    # the edgy-but-fine drafts were caught.
    calibrating = original & np.array([r["label"] == "fine" and not r.get("everyday") for r in rows])
    everyday = original & np.array([r["label"] == "fine" and bool(r.get("everyday")) for r in rows])
    flag = _quantile_above(out_of_fold[calibrating].tolist(), fine_flagged)
    if everyday.any():
        # Everyday posts have their own, stricter limit: a flag on "See you next week!" costs
        # the team's trust in every other flag.
        flag = max(flag, _quantile_above(out_of_fold[everyday].tolist(), everyday_flagged))

    heads = ["risky", "grave", *(f"cat:{c}" for c in categories)]
    models: list[Any] = [fit(x, risky)]
    # The grave head is fit and held out on the examples as written (its folds would otherwise
    # hold a copy of a draft they test).
    graded = original & np.array([r.get("deserved") is not None for r in rows])
    grave_y = np.array([r.get("deserved") == "do_not_post" for r in rows])
    if grave_y[graded].sum() >= 5:
        gx, gy = x[graded], grave_y[graded]
        grave_oof = np.zeros(int(graded.sum()))
        for train_idx, test_idx in StratifiedKFold(_FOLDS, shuffle=True, random_state=0).split(gx, gy):
            grave_oof[test_idx] = fit(gx[train_idx], gy[train_idx]).predict_proba(gx[test_idx])[:, 1]
        revise = np.array([r.get("deserved") == "revise" for r in rows])[graded]
        grave = _quantile_above(grave_oof[revise].tolist(), revise_graded_grave)
        models.append(fit(gx, gy))
    else:
        grave = 1.0
        models.append(None)
    risky_rows = np.flatnonzero(risky)
    for category in categories:
        y = np.array([category in (rows[int(i)].get("risk_categories") or ()) for i in risky_rows])
        models.append(fit(x[risky_rows], y) if 0 < y.sum() < len(y) else None)

    sentence_at: float | None = None
    if sentence_margin is not None:
        heads.append(SENTENCE_HEAD)
        models.append(fit_sentences(np.arange(len(rows)), models[0]))
        sentence_at = _probability(log_odds(flag) + sentence_margin)
    names = vectorizer.get_feature_names_out()
    weights: dict[str, list[float]] = {}
    columns = [m.coef_[0] if m is not None else np.zeros(len(names)) for m in models]
    for j, name in enumerate(names):
        row = [round(float(c[j]), 4) for c in columns]
        if any(abs(w) >= _NEGLIGIBLE for w in row):
            weights[str(name)] = row
    # A head with no model (a category no example carries) can never win.
    bias = [round(float(m.intercept_[0]), 4) if m is not None else -20.0 for m in models]
    flagged_risky = float(np.mean(out_of_fold[risky & original] >= flag))
    final = models[0]
    in_sample = final.predict_proba(x)[:, 1]
    own = final.decision_function(x) - final.intercept_[0]
    flagged_in_sample = (in_sample >= flag) & (own >= EVIDENCE_FLOOR)
    if sentence_at is not None:
        flagged_in_sample |= riskiest_sentence(models[-1], np.arange(len(rows))) >= log_odds(sentence_at)
    wrong = [example_key(str(r["text"]), r.get("notes") or None) for i, r in enumerate(rows[:written])
             if r["label"] == "fine" and flagged_in_sample[i]]
    return ClassifierFile.with_weights(
        weights, features_version=FEATURES_VERSION, examples_digest=digest, lexicons_digest=lexicons,
        examples=written, heads=heads, bias=bias,
        thresholds={"flag": round(flag, 4), "grave": round(grave, 4), "evidence": EVIDENCE_FLOOR,
                    **({"sentence": round(sentence_at, 4)} if sentence_at is not None else {})},
        measured={"risky_flagged_out_of_fold": round(flagged_risky, 3),
                  "fine_flagged_out_of_fold": _share(out_of_fold[calibrating] >= flag),
                  "everyday_flagged_out_of_fold": _share(out_of_fold[everyday] >= flag)},
        fine_examples=sorted(set(wrong)),
    )


def train_from_rules(checker: OfflineChecker, **options: Any) -> ClassifierFile:
    """Train on the rules folder's example files and on the rule packs' own examples."""
    files = example_files(checker.rules_dir)
    if not files:
        raise TrainingError(f"no example files in {checker.rules_dir / 'examples'}")
    try:
        rows = read_examples(files)
    except ValueError as exc:
        raise TrainingError(str(exc)) from None
    return train(checker, [*rows, *rule_examples(checker)], notes=routine_notes(checker.rules_dir),
                 digest=training_digest(checker), lexicons=lexicons_digest(checker.rules_dir), **options)
