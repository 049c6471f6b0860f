"""How the classifier judges a writer it never saw: each example file held out whole in turn.

Run: .venv/bin/python bench/classifier_by_writer.py [--folds 6] [--fine-flagged 0.07]
     [--without b:] [--without ll:]

The example files of ``rules/examples/`` are dealt into ``--folds`` groups, whole files each
(one file is one writer). Each group is scored by a model trained on the other groups and the
rule packs' own examples, with the features and the regularisation ``redteam rules train`` uses.
Random folds would put drafts by the same writer on both sides, and a writer's habits (the same
brands, the same turns of phrase) would pass for judgement; held out whole, they cannot.

Printed, for the pooled held-out scores:

- the share of risky drafts flagged when the flag lets through at most ``--fine-flagged`` of the
  look-alike fine drafts (the threshold ``redteam rules train`` chooses the same way);
- the share of everyday posts flagged at that threshold;
- the area under the ROC curve, over all held-out examples, the invented ones and the real posts;
- the real posts of ``real_tune.jsonl`` and of the ``recalled_*.jsonl`` files (brand posts recalled
  by four writers), flagged and falsely flagged.

``--without PREFIX`` drops a kind of feature (``b:`` pairs of words, ``ll:`` pairs of word
families, ``l:`` families, ``w:`` words) to measure what it adds. Needs the ``train`` extra.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.review.checker import OfflineChecker
from bot.review.classifier import read_examples
from bot.review.classifier_training import example_features, example_files, rule_examples, weighable
from bot.settings import Settings

RULES = "(rule packs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=6)
    parser.add_argument("--fine-flagged", type=float, default=0.07)
    parser.add_argument("--without", action="append", default=[], metavar="PREFIX")
    args = parser.parse_args()

    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    started = time.perf_counter()
    checker = OfflineChecker.from_settings(Settings(), with_classifier=False)
    rows: list[dict[str, Any]] = []
    writers: list[str] = []
    for path in example_files(checker.rules_dir):
        found = read_examples([path])
        rows += found
        writers += [path.stem] * len(found)
    packs = rule_examples(checker)
    rows += packs
    writers += [RULES] * len(packs)

    dropped = tuple(args.without)
    kinds = [[f for f in fs if not f.startswith(dropped)] for fs in example_features(checker, rows)]
    x = DictVectorizer().fit_transform(weighable(kinds)).tocsr()
    risky = np.array([r["label"] == "backlash" for r in rows])
    look_alike = np.array([r["label"] == "fine" and not r.get("everyday") for r in rows])
    everyday = np.array([r["label"] == "fine" and bool(r.get("everyday")) for r in rows])
    names = sorted(set(writers) - {RULES})
    group = np.array([names.index(w) if w != RULES else -1 for w in writers])
    held = group >= 0
    always_trained = np.flatnonzero(~held)
    held_rows = np.flatnonzero(held)

    scores = np.zeros(len(rows))
    for train, test in GroupKFold(args.folds).split(held_rows, groups=group[held]):
        on = np.concatenate([held_rows[train], always_trained])
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(x[on], risky[on])
        scores[held_rows[test]] = model.predict_proba(x[held_rows[test]])[:, 1]

    fine_scores = np.sort(scores[held & look_alike])[::-1]
    threshold = fine_scores[int(args.fine_flagged * len(fine_scores))]
    flagged = scores > threshold
    real = np.array([w == "real_tune" for w in writers])
    recalled = np.array([w.startswith("recalled_") for w in writers])

    def share(mask: Any) -> str:
        return f"{flagged[mask].mean():.3f} ({int(flagged[mask].sum())}/{int(mask.sum())})"

    print(f"{len(rows)} examples, {len(names)} writers in {args.folds} folds, "
          f"{x.shape[1]} features" + (f" (without {', '.join(dropped)})" if dropped else ""))
    print(f"risky flagged at {args.fine_flagged:.0%} of look-alikes flagged: {share(held & risky)}")
    print(f"everyday posts flagged: {share(held & everyday)}")
    invented = held & ~real & ~recalled
    print(f"area under the ROC curve: {roc_auc_score(risky[held], scores[held]):.4f} "
          f"(invented examples {roc_auc_score(risky[invented], scores[invented]):.4f}, "
          f"real posts {roc_auc_score(risky[real | recalled], scores[real | recalled]):.4f})")
    print(f"real_tune: risky flagged {share(real & risky)}, fine flagged {share(real & ~risky)}")
    print(f"recalled: risky flagged {share(recalled & risky)}, fine flagged {share(recalled & ~risky)}")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
