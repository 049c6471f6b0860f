"""What the offline checker holds in memory and how long its classifier takes to build.

Run: .venv/bin/python bench/bench_memory.py

Each worker process holds its own checker, so its memory is paid once per worker. Prints the
classifier's build time from its parsed file (best of five, CPU time), the memory it holds
(``tracemalloc``), and the process's peak resident memory once a checker has loaded and checked
one draft.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.classifier import Classifier, ClassifierFile


def main() -> None:
    checker = OfflineChecker()
    checker.find_risks("To the 53 people who've watched A Christmas Prince every day for the past 18 days: "
                       "Who hurt you?")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    model = ClassifierFile.model_validate_json((data_dir("rules") / "classifier.json").read_bytes())
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        Classifier(model)
        best = min(best, time.process_time() - start)
    tracemalloc.start()
    held = Classifier(model)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del held
    print(f"classifier: {len(model.features):,} features x {len(model.heads)} heads, "
          f"built in {best * 1000:.0f} ms, holding {size / 1e6:.1f} MB")
    print(f"process with a checker that checked one draft: peak {peak:.0f} MB resident")


if __name__ == "__main__":
    main()
