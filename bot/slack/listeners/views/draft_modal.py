"""The ``/redteam`` modal's submission: review the draft and show it to the person who asked,
ephemerally in the channel they started from (or in a DM with the bot when it is not there)."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.conversation import Filing, Notice, Outcome
from bot.review.intake import DraftRejected, check_draft
from bot.review.models import Draft
from bot.slack import ids
from bot.slack.ephemeral import MaybeShown, maybe_shown_text, post_ephemeral
from bot.slack.errors import slack_error
from bot.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        draft = draft_from_view(view)
        try:
            check_draft(draft)
        except DraftRejected as exc:
            # Keeps the modal open with the reason under the draft box.
            await ack(response_action="errors", errors={ids.DRAFT_BLOCK_ID: str(exc)})
            return
        await ack()
        runtime.spawn(review_submission(runtime, body, view, draft))

    app.view(ids.DRAFT_MODAL_CALLBACK_ID)(on_submit)


def _value(values: dict[str, Any], block_id: str) -> str | None:
    """The value of the block's only input, whatever element it is (text, select)."""
    for element in (values.get(block_id) or {}).values():
        if element.get("value") is not None:
            return str(element["value"])
        selected = element.get("selected_option")
        if selected:
            return str(selected.get("value"))
    return None


def draft_from_view(view: dict[str, Any]) -> Draft:
    values = (view.get("state") or {}).get("values") or {}
    platform = _value(values, ids.PLATFORM_BLOCK_ID)
    notes = _value(values, ids.NOTES_BLOCK_ID)
    return Draft(
        text=_value(values, ids.DRAFT_BLOCK_ID) or "", platform=platform or None, notes=notes or None
    )


async def review_submission(
    runtime: SlackRuntime, body: dict[str, Any], view: dict[str, Any], draft: Draft
) -> None:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    user = str((body.get("user") or {}).get("id") or meta.get("user") or "")
    channel = str(meta.get("channel") or "")

    sent = 0

    async def deliver_privately(outcome: Outcome) -> None:
        nonlocal sent
        sent += 1
        msg = runtime.transport.render(outcome)
        if channel:
            try:
                await post_ephemeral(
                    runtime.transport,
                    window=runtime.conversation.outbox.policy.window,
                    channel=channel,
                    user=user,
                    text=msg.text,
                    blocks=msg.blocks,
                )
                return
            except MaybeShown as exc:
                # Not shown again (it may be there already): the DM says so instead.
                outcome = Notice(maybe_shown_text(runtime.transport, exc))
            except SlackApiError as exc:
                log.info("chat.postEphemeral failed (%s); sending a DM", slack_error(exc))
        key = f"private:{view.get('id') or ''}:{sent}"
        await runtime.conversation.outbox.post_in_channel(user, outcome, key=key)

    filing = Filing(
        channel=channel or user,
        draft=f"modal:{view.get('id') or ''}",
        user=user,
        workspace=str((body.get("team") or {}).get("id") or "") or None,
    )
    await runtime.conversation.review_privately(draft, filing, deliver_privately)
