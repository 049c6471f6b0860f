"""The interpreter settings a serving process applies (in a child process: they are process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.runtime.worker import ACK_SWITCH_INTERVAL, GC_THRESHOLDS


def test_tune_for_serving_sets_gil_slices_and_rarer_collections() -> None:
    script = (
        "import gc, json, sys\n"
        "from bot.runtime.worker import tune_for_serving\n"
        "before = gc.get_freeze_count()\n"
        "tune_for_serving()\n"
        "print(json.dumps([sys.getswitchinterval(), gc.get_threshold(), before, gc.get_freeze_count()]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    interval, thresholds, frozen_before, frozen_after = json.loads(out)
    assert interval == ACK_SWITCH_INTERVAL
    assert tuple(thresholds) == GC_THRESHOLDS
    assert frozen_after > frozen_before  # start-up objects left out of later collections
