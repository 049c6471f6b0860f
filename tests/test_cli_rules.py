"""``redteam rules test`` and ``redteam rules explain`` through the command line's entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.drafts import NETFLIX

CONTEXT_PACK = """
pack: context
rules:
  - id: ctx.softened
    category: off_brand_tone
    severity: high
    terms: [blorb]
    softened_by: ['\\bhelpline\\b']
    softened_severity: low
    message: m
    suggestion: s
  - id: ctx.unless
    category: off_brand_tone
    severity: medium
    terms: [quax]
    unless_any: ['\\bsafe word\\b']
    message: m
    suggestion: s
  - id: ctx.requires
    category: off_brand_tone
    severity: medium
    terms: [zorp]
    requires_any: ['\\bglim\\b']
    message: m
    suggestion: s
  - id: ctx.allowed
    category: off_brand_tone
    severity: medium
    terms: [frobnicate]
    message: m
    suggestion: s
"""


pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def rules(rules: Path, monkeypatch) -> Path:
    """The copy of the shipped rules (conftest), named by the settings."""
    monkeypatch.setenv("REDTEAM_RULES_DIR", str(rules))
    return rules


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _pack(rules: Path, flag: list[str], passing: list[str]) -> None:
    def items(texts: list[str]) -> str:
        return "".join(f"\n        - {t!r}" for t in texts) or " []"

    (rules / "packs" / "zz_widget.yaml").write_text(f"""
pack: widget
rules:
  - id: test.widget
    category: off_brand_tone
    severity: medium
    terms: [frobnicate widget]
    message: A test message.
    suggestion: A test suggestion.
    examples:
      flag:{items(flag)}
      pass:{items(passing)}
""", encoding="utf-8")


def test_the_shipped_rules_pass_their_examples(capsys):
    code, out, err = run(capsys, "rules", "test")
    assert (code, err) == (0, "")
    assert "examples passed" in out and "FAIL" not in out


def test_a_flag_example_the_rule_misses_fails_naming_rule_and_example(capsys, rules):
    _pack(rules, flag=["Try our frobnicate widget today", "A plain gadget post"], passing=[])
    code, out, _ = run(capsys, "rules", "test")
    assert code == 1
    assert "FAIL test.widget (zz_widget.yaml) flag example: A plain gadget post" in out
    assert "none of the rule's words or patterns occur in it" in out
    assert "Try our frobnicate widget today" not in out
    assert "1 of " in out and "examples failed" in out


def test_a_pass_example_the_rule_reports_fails(capsys, rules):
    _pack(rules, flag=[], passing=["Meet the #FrobnicateWidget"])
    code, out, _ = run(capsys, "rules", "test")
    assert code == 1
    assert "FAIL test.widget (zz_widget.yaml) pass example: Meet the #FrobnicateWidget" in out
    assert "the rule reports it, on: FrobnicateWidget" in out


def test_a_pass_example_another_rule_flags_fails_naming_that_rule(capsys, rules):
    _pack(rules, flag=[], passing=["Women belong in the kitchen."])
    code, out, _ = run(capsys, "rules", "test")
    assert code == 1
    assert "the rule lets it pass, but the checker does not: stereotype." in out


def test_a_broken_rule_file_is_a_plain_error(capsys, rules):
    (rules / "packs" / "zz_bad.yaml").write_text("pack: x\nrules:\n  - id: [broken\n", encoding="utf-8")
    code, out, err = run(capsys, "rules", "test")
    assert code == 2 and out == ""
    assert err.startswith("redteam: ") and "zz_bad.yaml: not valid YAML" in err


def test_explain_shows_what_fired_and_what_each_mitigator_stopped(capsys, rules, tmp_path, monkeypatch):
    (rules / "packs" / "zz_context.yaml").write_text(CONTEXT_PACK, encoding="utf-8")
    config = tmp_path / "checker.yaml"
    config.write_text("allow_terms: [frobnicate deluxe]\n", encoding="utf-8")
    monkeypatch.setenv("REDTEAM_CHECKER_CONFIG", str(config))
    draft = "Blorb? Call our helpline. Quax, with the safe word. Zorp! The Frobnicate Deluxe."
    code, out, err = run(capsys, "rules", "explain", draft)
    assert (code, err) == (0, "")
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 2}
    assert "low" in rows["ctx.softened"] and "Blorb" in rows["ctx.softened"]
    assert "softened_by: helpline" in rows["ctx.softened"]
    assert "unless_any" in rows["ctx.unless"] and "safe word" in rows["ctx.unless"]
    assert "requires_any" in rows["ctx.requires"] and "Zorp" in rows["ctx.requires"]
    assert "allow-list" in rows["ctx.allowed"] and "Frobnicate" in rows["ctx.allowed"]
    assert out.index("ctx.softened") < out.index("Rules whose words matched but were stopped") < out.index(
        "ctx.unless")


def test_explain_shows_rules_of_every_severity(capsys, rules):
    levels = ["low", "medium", "high", "critical"]
    (rules / "packs" / "zz_levels.yaml").write_text("pack: levels\nrules:\n" + "".join(
        f"  - {{id: test.{level}, category: off_brand_tone, severity: {level}, terms: [{level}widget], "
        "message: m, suggestion: s}\n" for level in levels), encoding="utf-8")
    code, out, err = run(capsys, "rules", "explain", " ".join(f"{level}widget" for level in levels))
    assert (code, err) == (0, "")
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 2}
    for level in levels:
        assert level in rows[f"test.{level}"].split("│")[3]


def test_explain_names_detectors_and_their_words(capsys):
    code, out, _ = run(capsys, "rules", "explain", NETFLIX)
    assert code == 0
    from bot.review.checker import OfflineChecker
    from bot.review.models import Draft

    verdict = OfflineChecker().review(Draft(text=NETFLIX)).verdict.value.replace("_", " ")
    assert out.startswith(f"Draft: {NETFLIX}\nVerdict: {verdict}")
    rows = [line for line in out.splitlines() if "surveillance.tracked-group" in line]
    assert any("53 people" in row for row in rows)
    assert "No pack rule fired." in out


def test_explain_prints_draft_words_literally_and_needs_a_draft(capsys, rules):
    (rules / "packs" / "zz_context.yaml").write_text(CONTEXT_PACK, encoding="utf-8")
    code, out, _ = run(capsys, "rules", "explain", "[bold]blorb[/] \x1b[2J")
    assert code == 0
    assert "Draft: [bold]blorb[/] \\x1b[2J" in out and "\x1b" not in out
    code, out, err = run(capsys, "rules", "explain")
    assert code == 2 and "No draft given" in err


def test_rules_test_as_a_real_process_sets_the_exit_code(tmp_path, rules):
    _pack(rules, flag=["nothing here"], passing=[])
    redteam = Path(sys.executable).parent / "redteam"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    done = subprocess.run([str(redteam), "rules", "test"], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert "FAIL test.widget" in done.stdout
