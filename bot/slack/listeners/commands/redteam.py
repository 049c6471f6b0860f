"""``/redteam``: ``/redteam <draft>`` reviews ephemerally, ``/redteam`` opens the draft modal,
``/redteam help`` explains. The ack goes out before any review work starts."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import Filing, Outcome
from bot.conversation.notices import log_failure
from bot.review.models import Draft
from bot.slack import ids, render
from bot.slack.inbound import plain_text
from bot.slack.runtime import SlackRuntime

HELP_WORDS = frozenset({"help", "-h", "--help", "?"})
REVIEWING = "Reviewing… :eyes:"


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        text = str(command.get("text") or "").strip()
        if text.lower() in HELP_WORDS:
            msg = render.render_help(runtime.settings.review_channel_list)
            await ack(response_type="ephemeral", text=msg.text, blocks=msg.blocks)
            return
        if not text:
            await ack()
            runtime.spawn(open_modal(runtime.client, command))
            return
        await ack(response_type="ephemeral", text=REVIEWING)
        runtime.spawn(review_command(runtime, command, plain_text(text), respond))

    app.command(ids.SLASH_COMMAND)(on_command)


async def open_modal(client: AsyncWebClient, command: dict[str, Any]) -> None:
    # The modal's submission has no channel of its own: carry it in private_metadata.
    meta = json.dumps({"channel": command.get("channel_id"), "user": command.get("user_id")})
    try:
        await client.views_open(
            trigger_id=command["trigger_id"], view=render.draft_modal(private_metadata=meta)
        )
    except Exception as exc:
        log_failure("opening the draft modal", exc)


async def review_command(
    runtime: SlackRuntime, command: dict[str, Any], text: str, respond: AsyncRespond
) -> None:
    async def replace_reviewing(outcome: Outcome) -> None:
        msg = runtime.transport.render(outcome)
        await respond(text=msg.text, blocks=msg.blocks, response_type="ephemeral", replace_original=True)

    filing = Filing(
        channel=str(command.get("channel_id") or ""),
        draft=f"command:{command.get('trigger_id') or ''}",
        user=str(command.get("user_id") or ""),
        workspace=str(command.get("team_id") or "") or None,
    )
    await runtime.conversation.review_privately(Draft(text=text), filing, replace_reviewing)
