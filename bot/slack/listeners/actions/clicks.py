"""What the buttons under a review share: the click is acked at once and its work runs after."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.slack.runtime import SlackRuntime

ClickWork = Callable[[SlackRuntime, dict[str, Any], dict[str, Any], AsyncRespond], Coroutine[Any, Any, None]]


def on_click(app: AsyncApp, runtime: SlackRuntime, action_id: str, work: ClickWork) -> None:
    """Run ``work`` for each click of ``action_id`` once Slack has its ack (3 s at most)."""

    async def listener(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        runtime.spawn(work(runtime, body, action, respond))

    app.action(action_id)(listener)


def clicked(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, str]:
    """The review a button stands under (its value) and who clicked it."""
    return str(action.get("value") or ""), str((body.get("user") or {}).get("id") or "")
