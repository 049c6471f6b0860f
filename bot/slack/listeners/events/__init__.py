"""Events API listeners. Bolt acks every event before these run (``process_before_response=False``),
so the 3-second limit is never at risk; the conversation layer claims each draft, so Slack's
retries, the message/app_mention pair for one message, and other processes meet one key."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.events import app_mention, message
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    message.register(app, runtime)
    app_mention.register(app, runtime)
