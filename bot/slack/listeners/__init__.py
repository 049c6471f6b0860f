"""Bolt listeners, one package per kind of Slack request and one module per callback; each
package's ``register(app, runtime)`` registers its modules' listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners import actions, commands, events, shortcuts, views
from bot.slack.runtime import SlackRuntime


def register_all(app: AsyncApp, runtime: SlackRuntime) -> None:
    for package in (events, commands, shortcuts, actions, views):
        package.register(app, runtime)
