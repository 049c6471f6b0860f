"""``/redteam``: ``/redteam <draft>`` reviews ephemerally, ``/redteam`` opens the draft modal,
``/redteam help`` explains. The ack goes out before any review work starts."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.review.intake import DraftRejected
from bot.review.models import Draft
from bot.slack import ids, render
from bot.slack.deps import SlackDeps
from bot.slack.inbound import plain_text
from bot.slack.listeners import flows
from bot.store import ReviewRecord

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "-h", "--help", "?"})
REVIEWING = "Reviewing… :eyes:"


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        text = str(command.get("text") or "").strip()
        if text.lower() in HELP_WORDS:
            msg = render.render_help(deps.settings.review_channel_list)
            await ack(response_type="ephemeral", text=msg.text, blocks=msg.blocks)
            return
        if not text:
            await ack()
            deps.spawn(open_modal(deps.client, command))
            return
        await ack(response_type="ephemeral", text=REVIEWING)
        deps.spawn(review_command(deps, command, plain_text(text), respond))

    app.command(ids.SLASH_COMMAND)(on_command)


async def open_modal(client: AsyncWebClient, command: dict[str, Any]) -> None:
    # The modal's submission has no channel of its own: carry it in private_metadata.
    meta = json.dumps({"channel": command.get("channel_id"), "user": command.get("user_id")})
    try:
        await client.views_open(
            trigger_id=command["trigger_id"], view=render.draft_modal(private_metadata=meta)
        )
    except Exception as exc:
        flows.log_failure("opening the draft modal", exc)


async def review_command(deps: SlackDeps, command: dict[str, Any], text: str, respond: AsyncRespond) -> None:
    try:
        review = await deps.service.review(Draft(text=text))
        rec = ReviewRecord(
            channel=str(command.get("channel_id") or ""),
            draft_ts=f"command:{command.get('trigger_id') or ''}",
            user_id=str(command.get("user_id") or ""),
            review=review,
        )
        review_id = await deps.store.save_review(rec)
        msg = deps.render_review(review, review_id=review_id, ephemeral=True)
        await respond(text=msg.text, blocks=msg.blocks, response_type="ephemeral", replace_original=True)
    except DraftRejected as exc:
        await respond(text=str(exc), response_type="ephemeral", replace_original=True)
    except Exception as exc:
        flows.log_failure("/redteam review", exc)
        await respond(text=flows.failure_message(exc), response_type="ephemeral", replace_original=True)
