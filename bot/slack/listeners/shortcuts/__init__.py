"""Shortcut listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.shortcuts import review_message
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    review_message.register(app, runtime)
