"""Block action listeners: the buttons under a review."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.actions import clear, feedback, share
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    feedback.register(app, runtime)
    share.register(app, runtime)
    clear.register(app, runtime)
