"""``redteam review``: one draft, printed as text, JSON or Markdown."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.context import EXIT_OK, EXIT_RISK, LabelFor, label_for, open_service, reaches
from bot.cli.inputs import draft_text
from bot.cli.markdown_format import format_markdown
from bot.cli.terminal import Style, wants_color
from bot.cli.text_format import format_text
from bot.review.intake import check_draft
from bot.review.models import Draft, Review
from bot.settings import Settings


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    text = draft_text(args.text, args.file)
    draft = Draft(text=text, platform=args.platform, notes=args.notes)
    check_draft(draft)  # before the service (and the LLM client) is even imported: fast feedback
    review, labels = asyncio.run(_review_one(settings, args.offline, draft))
    out = sys.stdout
    if args.format == "json":
        out.write(review.model_dump_json(indent=2) + "\n")
    elif args.format == "markdown":
        out.write(format_markdown(review, labels))
    else:
        out.write(format_text(review, Style(wants_color(out, args.color)), labels))
    out.flush()
    if reaches(review.risk_level, args.fail_on):
        sys.stderr.write(f"redteam: risk {review.risk_level.value} reaches --fail-on {args.fail_on}\n")
        return EXIT_RISK
    return EXIT_OK


async def _review_one(settings: Settings, offline: bool, draft: Draft) -> tuple[Review, LabelFor]:
    service = open_service(settings, offline)
    try:
        return await service.review(draft), label_for(service)
    finally:
        await service.aclose()
