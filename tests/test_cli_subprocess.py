"""The installed `redteam` console script as a real process: exit codes, stdout vs stderr, Ctrl-C."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.drafts import NETFLIX

REDTEAM = Path(sys.executable).parent / "redteam"


@pytest.fixture
def env(tmp_path):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_", "SLACK_")) and k != "NO_COLOR"}
    return clean


def redteam(tmp_path, env, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert REDTEAM.exists(), f"console script missing: {REDTEAM} (run scripts/bootstrap --dev)"
    return subprocess.run([str(REDTEAM), *argv], input=stdin, capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=60, check=False)


def test_json_goes_to_stdout_and_fail_on_sets_the_exit_code(tmp_path, env):
    done = redteam(tmp_path, env, "review", "--offline", "--format", "json", "--fail-on", "low", NETFLIX)
    review = json.loads(done.stdout)
    assert review["verdict"] != "ship"
    assert done.returncode == 1
    assert "reaches --fail-on low" in done.stderr and "{" not in done.stderr


def test_rejected_input_is_exit_2_on_stderr_only(tmp_path, env):
    done = redteam(tmp_path, env, "review", "--offline", "-", stdin="   \n")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("redteam: ") and "empty" in done.stderr and "Traceback" not in done.stderr


def test_a_clean_draft_exits_0_with_plain_text_in_a_pipe(tmp_path, env):
    done = redteam(tmp_path, env, "review", "--offline", "--fail-on", "high",
                   "Doors open at noon on Saturday.")
    assert done.returncode == 0
    assert done.stdout.startswith("SHIP") and "\x1b[" not in done.stdout


def test_ctrl_c_exits_130_quietly(tmp_path, env):
    proc = subprocess.Popen([str(REDTEAM), "review", "--offline", "--debug", "-"], cwd=tmp_path, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Wait until the draft is being read from stdin, so the interrupt lands in redteam's own code.
        seen, deadline = "", time.monotonic() + 30
        assert proc.stderr is not None
        while "reading standard input" not in seen:
            assert time.monotonic() < deadline, f"redteam never reached stdin: {seen!r}"
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)
            if ready:
                line = proc.stderr.readline()
                assert line, f"redteam exited early: {seen!r}"
                seen += line
        proc.send_signal(signal.SIGINT)
        # Stdin stays open until it has exited: closing it at once raced the interrupt, and an
        # end of input read first is an empty draft (exit 2), not what a user at a terminal meets.
        proc.wait(timeout=30)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err


def test_a_reader_that_goes_away_ends_the_batch_quietly(tmp_path, env):
    calendar = tmp_path / "big.jsonl"
    calendar.write_text("".join(json.dumps({"id": f"p{i}", "text": f"{NETFLIX} #{i}"}) + "\n"
                                for i in range(400)), encoding="utf-8")
    proc = subprocess.Popen([str(REDTEAM), "batch", "--offline", "--format", "json", str(calendar)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = json.loads(proc.stdout.readline())
    proc.stdout.close()  # like `| head -1`: far more than a pipe buffer is still to come
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert first["id"] == "p0"
    assert proc.returncode == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def _run_on_a_terminal(tmp_path, env, *argv: str) -> str:
    """Run redteam with stdout and stderr on a pseudo-terminal; everything it wrote there."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([str(REDTEAM), *argv], cwd=tmp_path, env={**env, "TERM": "xterm"},
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")
def test_a_terminal_gets_colour_and_a_progress_bar_and_no_color_turns_colour_off(tmp_path, env):
    calendar = tmp_path / "cal.jsonl"
    calendar.write_text("".join(json.dumps({"text": f"{NETFLIX} #{i}"}) + "\n" for i in range(3)),
                        encoding="utf-8")
    seen = _run_on_a_terminal(tmp_path, env, "batch", "--offline", str(calendar))
    assert "\x1b[1m" in seen  # the bold table header
    assert "3/3 reviewed" in seen  # the progress bar (stderr is the same terminal)
    plain = _run_on_a_terminal(tmp_path, {**env, "NO_COLOR": "1"}, "review", "--offline", NETFLIX)
    assert plain.startswith("DO NOT POST") or plain.startswith("REVISE")
    assert "\x1b[1" not in plain and "\x1b[3" not in plain
