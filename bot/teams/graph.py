"""Reading a channel thread back through Microsoft Graph, to find a reply whose post failed in a
way that may have landed (a 500 after Teams stored it, a timeout).

The Bot Connector cannot read a conversation back; Graph can:
``GET /v1.0/teams/{team}/channels/{channel}/messages/{root}/replies``, with the app's own token
(client credentials, scope ``<graph>/.default``). The resource-specific consent permission
``ChannelMessage.Read.Group`` the app package declares grants it in the teams the bot is in. Each
card the bot posts under an idempotency key carries a marker derived from the key as its ``id``
(:func:`card_marker`), which Graph returns inside the attachment's content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

import httpx

#: Graph's host in each Microsoft cloud (``TEAMS_CLOUD``); ``TEAMS_GRAPH_URL`` overrides it.
GRAPH_URLS = {
    "Public": "https://graph.microsoft.com",
    "USGov": "https://graph.microsoft.us",
    "USGovDoD": "https://dod-graph.microsoft.us",
    "China": "https://microsoftgraph.chinacloudapi.cn",
}
#: A look is a fallback on a rare path: short, so a slow Graph costs the reply little.
TIMEOUT_SECONDS = 5.0
#: Pages of replies read at most (50 each): a review thread holds a handful.
MAX_PAGES = 4


def card_marker(key: str) -> str:
    """What a card posted under ``key`` carries as its ``id``, findable in what Graph returns."""
    return "redteam-" + hashlib.sha256(key.encode()).hexdigest()[:32]


class GraphReplies:
    """Finds the bot's reply carrying a marker among a channel thread's replies."""

    def __init__(self, base_url: str, token: Callable[[str], Awaitable[str]]) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.scope = f"{parts.scheme}://{parts.netloc}/.default"
        self._token = token
        # Created on first use, on the loop that uses it (the review loop).
        self._http: httpx.AsyncClient | None = None

    async def find(self, team_id: str, channel_id: str, root_id: str, marker: str) -> str | None:
        """The id of the reply in thread ``root_id`` whose card carries ``marker``; None when
        Graph lists the thread without one. Raises when Graph cannot be asked or refuses."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=TIMEOUT_SECONDS)
        headers = {"Authorization": f"Bearer {await self._token(self.scope)}"}
        url: str | None = (f"{self.base_url}/v1.0/teams/{quote(team_id, safe='')}/channels/"
                           f"{quote(channel_id, safe='')}/messages/{quote(root_id, safe='')}/replies?$top=50")
        for _ in range(MAX_PAGES):
            if url is None:
                return None
            response = await self._http.get(url, headers=headers)
            response.raise_for_status()
            page = response.json()
            for message in page.get("value") or []:
                for attachment in message.get("attachments") or []:
                    if marker in str(attachment.get("content") or ""):
                        return str(message["id"])
            next_link = page.get("@odata.nextLink")
            url = str(next_link) if next_link else None
        raise LookupError("more replies than a review thread holds; not read to the end")

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
