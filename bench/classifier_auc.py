"""How well the classifier's "risky" score alone separates risky drafts from fine ones.

Run: .venv/bin/python bench/classifier_auc.py NAME=FILE[,FILE...] [NAME=FILE...]

For each named group of labelled files (the ``redteam eval`` format; ``mixed`` items are left
out), prints the ROC AUC of the score (the chance that a risky draft scores above a fine one, ties
counting half) and how many risky and fine drafts reach the shipped flag's threshold and a few
higher ones. It scores drafts as the checker does (their notes and platform included) but leaves
out the rules and detectors, so it says what the classifier adds, not what the checker decides.
"""

from __future__ import annotations

import argparse
import json
import sys
from bisect import bisect_left
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.review.checker import OfflineChecker

_EXTRA_THRESHOLDS = (0.8, 0.9)


def scores(checker: OfflineChecker, paths: list[Path]) -> tuple[list[float], list[float]]:
    """The risky probabilities of the risky and of the fine drafts of ``paths``."""
    classifier = checker.classifier
    if classifier is None:
        raise SystemExit("rules/classifier.json is missing: run ./redteam rules train")
    risky: list[float] = []
    fine: list[float] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item["label"] not in ("backlash", "fine"):
                continue
            scan = checker.prepare(item["text"], item.get("notes") or None, item.get("platform"))
            (risky if item["label"] == "backlash" else fine).append(classifier.score(scan).risky)
    return risky, fine


def auc(risky: list[float], fine: list[float]) -> float:
    """ROC AUC by ranks: for each risky score, the fine scores below it (ties count half)."""
    ordered = sorted(fine)
    total = 0.0
    for score in risky:
        below = bisect_left(ordered, score)
        ties = bisect_left(ordered, score + 1e-12) - below
        total += below + ties / 2
    return total / (len(risky) * len(fine))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="+", metavar="NAME=FILE[,FILE...]")
    args = parser.parse_args(argv)
    checker = OfflineChecker()
    assert checker.classifier is not None
    thresholds = (checker.classifier.flag, *_EXTRA_THRESHOLDS)
    for group in args.groups:
        name, _, files = group.partition("=")
        risky, fine = scores(checker, [Path(f) for f in files.split(",")])
        if not risky or not fine:
            print(f"{name}: needs both risky and fine drafts")
            continue
        caught = "  ".join(f"at {t:.2f}: {sum(s >= t for s in risky)}/{len(risky)} risky, "
                           f"{sum(s >= t for s in fine)}/{len(fine)} fine" for t in thresholds)
        print(f"{name}: AUC {auc(risky, fine):.3f}  {caught}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
