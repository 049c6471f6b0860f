"""``redteam rules test``, ``train`` and ``explain``: rule authoring from the terminal."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.cli.context import EXIT_OK, EXIT_RISK
from bot.cli.inputs import draft_text
from bot.cli.terminal import LEVEL_STYLE, console_for, safe, wants_color
from bot.review.checker import OfflineChecker
from bot.review.classifier_training import TrainingError, is_current, train_from_rules
from bot.review.rule_examples import Outcome, RuleTrace, example_results, explain
from bot.settings import Settings

_STOPPED_BY = {
    Outcome.allowed: "allow-list (checker config)",
    Outcome.lacks_context: "requires_any: no context phrase",
    Outcome.excepted: "unless_any",
}


def _console(args: argparse.Namespace) -> Console:
    # Output to a pipe keeps long quotes on one line; a terminal wraps tables to its width.
    return console_for(sys.stdout, wants_color(sys.stdout, args.color),
                       width=None if sys.stdout.isatty() else 200)


def _checker(settings: Settings) -> OfflineChecker:
    return OfflineChecker.from_settings(settings)


def run_rules(args: argparse.Namespace, settings: Settings) -> int:
    if args.rules_command == "test":
        return _run_test(args, settings)
    if args.rules_command == "train":
        return _run_train(args, settings)
    return _run_explain(args, settings)


def _run_train(args: argparse.Namespace, settings: Settings) -> int:
    console = _console(args)
    # The model being replaced is not read: it may be from another version, or broken.
    checker = OfflineChecker.from_settings(settings, with_classifier=False)
    out = args.out or checker.rules_dir / "classifier.json"
    try:
        limits = {name: value for name, value in (("fine_flagged", args.fine_flagged),
                                                   ("everyday_flagged", args.everyday_flagged))
                  if value is not None}
        model = train_from_rules(checker, **limits)
    except TrainingError as exc:
        console.print(Text.assemble(("Cannot train: ", "bold red"), str(exc)))
        return EXIT_RISK
    out.write_text(model.model_dump_json(indent=None) + "\n", encoding="utf-8")
    measured = model.measured
    console.print(Text.assemble(
        ("Trained ", "bold green"),
        f"on {model.examples} examples: {len(model.features)} weighted features. ",
        "Out of fold, a flag catches ",
        (f"{measured['risky_flagged_out_of_fold']:.0%}", "bold"), " of the risky examples and ",
        (f"{measured['fine_flagged_out_of_fold']:.0%}", "bold"), f" of the fine ones. Wrote {out}."))
    return EXIT_OK


def _classifier_state(checker: OfflineChecker) -> Text | None:
    """A line saying the classifier is out of date with its examples, or None."""
    if checker.classifier is None or is_current(checker.classifier.model, checker):
        return None
    return Text.assemble(("FAIL ", "bold red"), ("classifier", "bold"),
                         ": rules/classifier.json was trained on other examples or word families; "
                         "run: redteam rules train")


def _run_test(args: argparse.Namespace, settings: Settings) -> int:
    console = _console(args)
    checker = _checker(settings)
    results = list(example_results(checker))
    failures = [r for r in results if not r.ok]
    for failure in failures:
        line = Text()
        line.append("FAIL ", style="bold red")
        line.append(failure.rule.rule.id, style="bold")
        line.append(f" ({failure.rule.source.name}) {failure.kind} example: ")
        line.append(safe(failure.text))
        line.append(f"\n     {failure.problem}", style="dim")
        console.print(line)
    untested = [r.rule.id for r in checker.rules if not (r.rule.examples.flag or r.rule.examples.pass_)]
    flags = sum(1 for r in results if r.kind == "flag")
    summary = Text()
    if failures:
        summary.append(f"{len(failures)} of {len(results)} examples failed", style="bold red")
    else:
        summary.append(f"{len(results)} examples passed", style="bold green")
    summary.append(f" ({flags} flag, {len(results) - flags} pass) in {len(checker.rules)} rules")
    if untested:
        listed = ", ".join(untested[:3]) + (", ..." if len(untested) > 3 else "")
        summary.append(f"; {len(untested)} rules have no examples yet ({listed})", style="dim")
    stale = _classifier_state(checker)
    if stale is not None:
        console.print(stale)
    console.print(summary)
    return EXIT_RISK if failures or stale is not None else EXIT_OK


def _words(trace: RuleTrace) -> str:
    return ", ".join(safe(w) for w in trace.words)


def _run_explain(args: argparse.Namespace, settings: Settings) -> int:
    console = _console(args)
    text = draft_text(args.text, args.file)
    checker = _checker(settings)
    seen = explain(checker, text, notes=args.notes, platform=args.platform)

    console.print(Text.assemble(("Draft: ", "bold"), safe(text)))
    verdict = Text()
    verdict.append("Verdict: ", style="bold")
    verdict.append(seen.review.verdict.value.replace("_", " "), style="bold")
    verdict.append(f" (risk {seen.review.risk_level.value}). {seen.review.summary}")
    console.print(verdict)

    fired = Table(title="Rules that fired", title_justify="left", expand=False)
    for column in ("rule", "category", "severity", "words", "note"):
        fired.add_column(column, overflow="fold")
    for trace in seen.fired:
        rule = trace.rule.rule
        severity = trace.severity or rule.severity
        note = ""
        if trace.outcome is Outcome.softened:
            note = f"softened_by: {', '.join(safe(w) for w in trace.mitigators)}"
        elif trace.mitigators:
            note = ", ".join(safe(w) for w in trace.mitigators)
        categories = ", ".join([rule.category, *rule.also])
        fired.add_row(rule.id, categories, Text(severity.value, style=LEVEL_STYLE[severity.value]),
                      _words(trace), note)
    _print_table(console, fired, "No pack rule fired.")

    detectors = Table(title="Detectors and signal combinations that fired", title_justify="left")
    for column in ("detector", "category", "severity", "words"):
        detectors.add_column(column, overflow="fold")
    for hit in seen.detectors:
        level = Text(hit.severity.value, style=LEVEL_STYLE[hit.severity.value])
        detectors.add_row(hit.name, hit.category, level, safe(hit.quote))
    _print_table(console, detectors, "No detector fired.")

    judged = seen.classifier
    if judged is not None and checker.classifier is not None:
        flag = checker.classifier.flag
        line = Text()
        line.append("Classifier: ", style="bold")
        if seen.classifier_sentence is not None:
            line.append(f"the whole draft {judged.risky:.0%} risky (a flag from {flag:.0%}), but one "
                        f"sentence reads as risky on its own: “{safe(seen.classifier_sentence)}”")
        else:
            line.append(f"{judged.risky:.0%} risky (a flag from {flag:.0%})")
        if judged.category is not None:
            line.append(f", reads most like {checker.taxonomy.label(judged.category).lower()}")
            reasons = ", ".join(f"{safe(said)} (+{weight:.2f})" for said, weight in seen.classifier_reasons)
            line.append(f"; weighing most: {reasons}")
        console.print(line)

    stopped = Table(title="Rules whose words matched but were stopped", title_justify="left")
    for column in ("rule", "words", "stopped by", "mitigating words"):
        stopped.add_column(column, overflow="fold")
    for trace in seen.stopped:
        stopped.add_row(trace.rule.rule.id, _words(trace), _STOPPED_BY[trace.outcome],
                        ", ".join(safe(w) for w in trace.mitigators))
    _print_table(console, stopped, "No rule was stopped by a mitigator.")
    return EXIT_OK


def _print_table(console: Console, table: Table, empty: str) -> None:
    if table.row_count:
        console.print(table)
    else:
        console.print(Text(empty, style="dim"))
