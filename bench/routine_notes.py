"""How often a routine note makes the offline checker flag an ordinary post.

Run: .venv/bin/python bench/routine_notes.py [--note "Scheduled for Monday 9am."]

The ordinary posts of ``tests/data/everyday_unseen.jsonl`` and ``everyday_holdout.jsonl`` (the
fine ones written without notes) are reviewed offline as they are, then each with every note of
``bench/data/routine_notes.txt``: 60 notes of the kind a social team attaches to a harmless post
(when it goes out, what the photo shows, the campaign, that it answers an ordinary question),
written by someone who never saw the rules or the examples (nor the notes the classifier is
trained with, ``rules/examples/routine_notes.txt``). A note that says nothing about the moment or
the picture should change no verdict; the figures printed say how far the checker is from that
(``docs/quality.md``). ``--note`` gives every post that one note instead.
"""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--note", help="give every post this note instead of each routine note in turn")
    args = parser.parse_args()
    checker = OfflineChecker()
    texts = ordinary_posts()
    notes = [args.note] if args.note else [
        line.strip() for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
    without = flagged(checker, texts, [None] * len(texts))
    per_note = [flagged(checker, texts, [note] * len(texts)) for note in notes]
    pairs = len(texts) * len(notes)
    print(f"ordinary posts flagged without notes: {without} of {len(texts)} ({without / len(texts):.1%})")
    print(f"with a routine note: {sum(per_note)} of {pairs} (post, note) pairs "
          f"({sum(per_note) / pairs:.1%}); the note that flags most: {max(per_note)} of {len(texts)}")


if __name__ == "__main__":
    main()
