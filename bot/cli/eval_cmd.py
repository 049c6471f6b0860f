"""``redteam eval``: recall and false positives on a labelled file (``bot.review.evaluation``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from bot.cli.context import EXIT_OK, UsageError, open_service
from bot.cli.inputs import read_text_file
from bot.review.models import Draft, Review
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.review.evaluation import EvalItem, EvalReport


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.review.evaluation import load_labelled

    read_text_file(args.path)  # a missing or non-UTF-8 file gets the same message as everywhere else
    try:
        items = load_labelled(args.path)
    except ValueError as exc:  # names the file and the bad lines
        raise UsageError(str(exc)) from None
    if not items:
        raise UsageError(f"{args.path} has no labelled items to evaluate.")
    report = asyncio.run(_evaluate(args, settings, items))
    if args.format == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        llm = not args.offline and settings.llm_configured
        reviewer = f"the offline checker and the LLM ({settings.model})" if llm else "the offline checker"
        sys.stdout.write(f"{len(items)} labelled posts from {args.path}, reviewed by {reviewer}.\n\n")
        sys.stdout.write(report.as_text().rstrip("\n") + "\n")
    return EXIT_OK


async def _evaluate(args: argparse.Namespace, settings: Settings, items: list[EvalItem]) -> EvalReport:
    from bot.review.evaluation import evaluate

    service = open_service(settings, args.offline)
    llm_expected = not args.offline and settings.llm_configured

    async def review_fn(draft: Draft) -> Review:
        review = await service.review(draft)
        # The service falls back to the offline checker when the LLM fails; scoring that as
        # the LLM's answer would blur the figures, so it counts as a failed item instead.
        if llm_expected and not any(engine.startswith("llm") for engine in review.engines):
            reason = "; ".join(review.notices) or "the LLM gave no answer"
            raise RuntimeError(f"LLM review failed, offline fallback not scored: {reason}")
        return review

    try:
        return await evaluate(items, review_fn, concurrency=args.concurrency,
                              recheck=service.checker.find_risks)
    finally:
        await service.aclose()
