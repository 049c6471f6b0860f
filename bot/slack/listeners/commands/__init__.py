"""Slash command listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.commands import redteam
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    redteam.register(app, runtime)
