"""How often a routine note makes the offline checker flag an ordinary post.

Run: .venv/bin/python bench/routine_notes.py [--seed 5]

The ordinary posts of ``tests/data/everyday_unseen.jsonl`` and ``everyday_holdout.jsonl`` (the
fine ones written without notes) are reviewed offline twice: as they are, and each with one note
drawn at random from ``bench/data/routine_notes.txt``: 60 notes of the kind a social team
attaches to a harmless post (when it goes out, what the photo shows, the campaign, that it
answers an ordinary question), written by someone who never saw the rules or the examples. A
note that says nothing about the moment or the picture should change no verdict; the two counts
printed say how far the checker is from that (``docs/quality.md``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.review.checker import OfflineChecker
from bot.review.models import Draft, Verdict

ROOT = Path(__file__).resolve().parent.parent
POSTS = [ROOT / "tests" / "data" / name for name in ("everyday_unseen.jsonl", "everyday_holdout.jsonl")]
NOTES = ROOT / "bench" / "data" / "routine_notes.txt"


def ordinary_posts() -> list[str]:
    """The fine posts of the everyday files that were written without notes."""
    items = [json.loads(line) for path in POSTS
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [item["text"] for item in items if item.get("label") == "fine" and not item.get("notes")]


def flagged(checker: OfflineChecker, texts: list[str], notes: list[str | None]) -> int:
    """How many of ``texts``, each reviewed with its note, are not shipped."""
    return sum(checker.review(Draft(text=text, notes=note), with_alternatives=False).verdict
               is not Verdict.ship for text, note in zip(texts, notes, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5, help="which note each post is given")
    args = parser.parse_args()
    checker = OfflineChecker()
    texts = ordinary_posts()
    notes = [line.strip() for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(args.seed)
    drawn: list[str | None] = [rng.choice(notes) for _ in texts]
    without = flagged(checker, texts, [None] * len(texts))
    with_notes = flagged(checker, texts, drawn)
    print(f"ordinary posts flagged: {without} of {len(texts)} without notes, {with_notes} of "
          f"{len(texts)} with a routine note each ({len(notes)} notes, seed {args.seed})")


if __name__ == "__main__":
    main()
