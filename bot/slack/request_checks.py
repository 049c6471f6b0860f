"""What a request to ``/slack/events`` must be before Bolt sees it: signed by Slack, and a body
Bolt can parse. Anything else is answered 401 or 400 here, with one log line.

Bolt parses the body before it checks the signature, and a body it cannot parse (or a timestamp
that is not a number) ends in an exception: a 500 and a traceback for anyone who can send a
request, no secret needed. These checks come first, so Bolt only ever sees requests it can
handle; it still checks the signature again itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: the HTTP status and a reason safe to log and to answer with."""

    status: int
    reason: str


class SlackRequestChecks:
    """``refusal(body, headers)``: None for a signed, parseable request, else why not."""

    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def refusal(self, body: bytes, headers: Mapping[str, str]) -> Refusal | None:
        return self.check(body, headers)[0]

    def check(self, body: bytes, headers: Mapping[str, str]) -> tuple[Refusal | None, object]:
        """``(refusal, payload)``: the refusal as ``refusal`` gives it, and for a signed JSON body
        the parsed JSON, so the ack path parses and checks each body once (``None`` otherwise)."""
        timestamp = headers.get("x-slack-request-timestamp") or ""
        signature = headers.get("x-slack-signature") or ""
        if not timestamp or not signature:
            return Refusal(401, "missing Slack signature headers"), None
        if not (timestamp.isascii() and timestamp.isdigit()):
            return Refusal(401, "malformed X-Slack-Request-Timestamp"), None
        try:
            text = body.decode("utf-8")  # what the signature is computed over, and Bolt reads
        except UnicodeDecodeError:
            return Refusal(400, "body is not UTF-8"), None
        if not self._verifier.is_valid(text, timestamp, signature):
            return Refusal(401, "invalid or expired Slack signature"), None
        return _unparseable(text, headers.get("content-type"))


def _unparseable(text: str, content_type: str | None) -> tuple[Refusal | None, object]:
    """None when Bolt can parse ``text`` (it reads JSON, or a form with an optional JSON
    ``payload``), with the JSON body when it is one."""
    if not text:
        return None, None
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    # The same tests Bolt makes to choose between JSON and a form.
    if media_type == "application/json" or text.startswith("{"):
        return _json_object(text, "body")
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        return (None, None) if payload is None else (_json_object(payload, "form payload")[0], None)
    return None, None


def _json_object(text: str, what: str) -> tuple[Refusal | None, object]:
    try:
        value = json.loads(text)
    except ValueError:
        return Refusal(400, f"{what} is not valid JSON"), None
    if not isinstance(value, dict):
        return Refusal(400, f"{what} is not a JSON object"), None
    return None, value
