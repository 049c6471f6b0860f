"""The Teams SDK's messaging endpoint as a route of redteam's own Starlette app.

The SDK serves ``POST /api/messages`` through an ``HttpServerAdapter`` (by default its own
FastAPI app run by its own uvicorn). :class:`StarletteRoutes` is that adapter for an app that
already exists: the SDK registers its handler here (at ``App.initialize()``) and the Starlette
route built by :func:`teams_route` calls it. JWT validation and routing stay the SDK's: this
only turns a Starlette request into the SDK's ``HttpRequest`` and its ``HttpResponse`` back.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MESSAGING_PATH = "/api/messages"
#: Teams activities are small (a message is capped near 28 KB, an invoke carries a card): a
#: larger body is refused before it is parsed.
MAX_BODY_BYTES = 1_000_000


class StarletteRoutes:
    """An ``HttpServerAdapter`` whose routes are served by someone else's ASGI app."""

    def __init__(self) -> None:
        self._handlers: dict[str, HttpRouteHandler] = {}

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if method != "POST":
            raise ValueError(f"only POST routes are served, not {method}")
        self._handlers[path] = handler

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("redteam serves no static pages for Teams")

    async def start(self, port: int) -> None:
        raise NotImplementedError("served by redteam's ASGI app (redteam serve), not by the SDK")

    async def stop(self) -> None:
        return None

    def handler(self, path: str) -> HttpRouteHandler | None:
        return self._handlers.get(path)

    async def dispatch(self, path: str, request: Request) -> Response:
        handler = self._handlers.get(path)
        if handler is None:
            return JSONResponse({"error": "Not found"}, status_code=404)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "Request too large"}, status_code=413)
        try:
            activity = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "Bad request: the body is not JSON"}, status_code=400)
        if not isinstance(activity, dict):
            return JSONResponse({"error": "Bad request: the body is not an activity"}, status_code=400)
        result = await handler(HttpRequest(body=activity, headers=dict(request.headers)))
        if result.get("body") is not None:
            return JSONResponse(result["body"], status_code=result["status"])
        return Response(status_code=result["status"])


def teams_route(routes_of: Callable[[Request], StarletteRoutes | None], path: str = MESSAGING_PATH) -> Route:
    """The Starlette route for Teams' messaging endpoint. ``routes_of`` finds the running adapter
    (None while the app starts or stops: Teams then gets a 503 and delivers again later)."""

    async def endpoint(request: Request) -> Response:
        routes = routes_of(request)
        if routes is None:
            return JSONResponse({"error": "starting"}, status_code=503)
        return await routes.dispatch(path, request)

    return Route(path, endpoint, methods=["POST"])
