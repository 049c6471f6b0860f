"""Start-up: one offline review from the command line, side by side with the alex linter.

Run: .venv/bin/python bench/bench_startup.py [--runs 15] [--alex /tmp/alex/node_modules/.bin/alex]

Both tools answer the same one-draft question from a cold process, in turns (redteam, alex,
redteam, ...) so a busy machine slows both alike. Uses hyperfine when it is installed, else its
own timing. alex (an npm package) is not a dependency of this project: install it anywhere, e.g.
``npm install --prefix /tmp/alex alex``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRAFT = "Rest in peace to a legend. Grab our tribute combo, today only! Hey guys, crazy deal."


def _commands(alex: str, draft_file: Path) -> dict[str, str]:
    return {
        "redteam": f"{ROOT / 'redteam'} review --offline --file {draft_file}",
        "alex": f"{alex} --stdin < {draft_file}",
    }


def _own_timing(commands: dict[str, str], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(2):  # warm the file cache
        for command in commands.values():
            subprocess.run(command, shell=True, capture_output=True, check=False)
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, shell=True, capture_output=True, check=False)
            times[name].append(time.perf_counter() - start)
    return times


def _hyperfine(commands: dict[str, str], runs: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        names = [arg for name, command in commands.items() for arg in ("-n", name, command)]
        subprocess.run(
            ["hyperfine", "--warmup", "2", "--runs", str(runs), "-i", "--export-json", str(out), *names],
            check=True, capture_output=True,
        )
        results = json.loads(out.read_text())["results"]
    return {r["command"]: r["times"] for r in results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--alex", default=shutil.which("alex") or "/tmp/alex/node_modules/.bin/alex")
    args = parser.parse_args()
    if not Path(args.alex).exists():
        print(f"alex not found at {args.alex}: npm install --prefix /tmp/alex alex", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        draft_file = Path(tmp) / "draft.txt"
        draft_file.write_text(DRAFT + "\n", encoding="utf-8")
        commands = _commands(args.alex, draft_file)
        # A first run outside the timing: the rule check is remembered from then on (rule_cache).
        subprocess.run(commands["redteam"], shell=True, capture_output=True, check=False)
        tool = "hyperfine" if shutil.which("hyperfine") else "own timing"
        times = _hyperfine(commands, args.runs) if tool == "hyperfine" else _own_timing(commands, args.runs)
    print(f"one-draft offline review, {args.runs} runs each, in turns ({tool})")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:8} median {medians[name] * 1000:6.0f} ms   best {min(t) * 1000:6.0f} ms")
    ratio = medians["redteam"] / medians["alex"]
    print(f"redteam / alex (median): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
