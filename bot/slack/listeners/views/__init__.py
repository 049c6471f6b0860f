"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.views import clear_reason, draft_modal
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    draft_modal.register(app, runtime)
    clear_reason.register(app, runtime)
