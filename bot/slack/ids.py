"""Names Slack and this app agree on: the slash command, callback, action and block ids.

``slack/manifest.yaml`` must declare the same command, shortcut, events and scopes;
``tests/test_render_manifest.py`` checks that it does.
"""

from __future__ import annotations

SLASH_COMMAND = "/redteam"

#: Message shortcut "Red-team this message".
MESSAGE_SHORTCUT_CALLBACK_ID = "redteam_message_shortcut"

#: The modal ``/redteam`` opens when it has no text.
DRAFT_MODAL_CALLBACK_ID = "redteam_draft_modal"
DRAFT_BLOCK_ID = "draft"
DRAFT_ACTION_ID = "draft_text"
PLATFORM_BLOCK_ID = "platform"
PLATFORM_ACTION_ID = "platform_select"
NOTES_BLOCK_ID = "notes"
NOTES_ACTION_ID = "notes_text"

#: Buttons under a review; each button's value is the review_id.
FEEDBACK_HELPFUL_ACTION_ID = "redteam_feedback_helpful"
FEEDBACK_NOT_HELPFUL_ACTION_ID = "redteam_feedback_not_helpful"
SHARE_ACTION_ID = "redteam_share"
CLEAR_ACTION_ID = "redteam_clear"
FEEDBACK_BLOCK_ID = "redteam_feedback"

#: The modal asking why a Do not post draft is fine to post anyway.
CLEAR_REASON_MODAL_CALLBACK_ID = "redteam_clear_reason"
CLEAR_REASON_BLOCK_ID = "clear_reason"
CLEAR_REASON_ACTION_ID = "clear_reason_text"

#: Events the app subscribes to (manifest ``settings.event_subscriptions.bot_events``).
BOT_EVENTS = ("app_mention", "message.channels", "message.groups")

#: Bot token scopes, each with the reason it is needed. No ``chat:write.public``: the bot
#: speaks only in channels it was invited to, and says how to invite it otherwise.
BOT_SCOPES = {
    "app_mentions:read": "hear mentions in threads and other channels",
    "channels:history": "read drafts and review threads in public channels",
    "groups:history": "read drafts and review threads in private channels",
    "channels:read": "resolve review channel names to ids",
    "groups:read": "resolve private review channel names to ids",
    "chat:write": "post reviews in threads and ephemeral replies",
    "reactions:write": "add the :eyes: reaction while a review runs",
    "commands": "the /redteam command and the message shortcut",
    "usergroups:read": "let the members of user groups named in REDTEAM_APPROVERS clear drafts",
}
