"""Block Kit models to JSON without slack_sdk's per-call validation.

``JsonObject.to_dict()`` runs every validator found through ``dir()`` on each object and then
serialises nested objects twice; for a review message that is about 1 ms of CPU, paid on the
thread that runs every review. The renderers already keep each text within Slack's limits
(``bot.slack.blocks_limits``), and tests/test_render.py checks every rendered block against
slack_sdk's own parser and validators, so production skips the re-validation.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.basic_objects import EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST, JsonObject

_EMPTY_ALLOWED = frozenset((e["type"], e["property"]) for e in EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST)


def block_dict(obj: JsonObject) -> dict[str, Any]:
    """``obj.to_dict()``, same keys and values, minus the validation."""
    if type(obj).to_dict is not JsonObject.to_dict:
        # a model with its own serialisation (options, confirm dialogs...): trust it as is
        return obj.to_dict()
    kind = getattr(obj, "type", None)
    out: dict[str, Any] = {}
    for key in sorted(obj.attributes):
        value = obj.get_object_attribute(key)
        if value is None:
            continue
        if hasattr(value, "__len__") and len(value) == 0 and (kind, key) not in _EMPTY_ALLOWED:
            continue
        out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, JsonObject):
        return block_dict(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return {k: _plain(v) for k, v in to_dict().items()}
    return value
