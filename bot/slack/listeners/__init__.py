"""Bolt listeners, one package per kind of Slack request; each has ``register(app, deps)``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.deps import SlackDeps


def register_all(app: AsyncApp, deps: SlackDeps) -> None:
    # Imported here so that ``bot.slack.listeners.flows`` can be imported on its own.
    from bot.slack.listeners import actions, commands, events, shortcuts, views

    for module in (events, commands, shortcuts, actions, views):
        module.register(app, deps)
