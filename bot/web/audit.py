"""``/audit``: a read-only page of the decision record, served by ``redteam serve``.

Off (404) unless ``REDTEAM_AUDIT_TOKEN`` is set. The token opens it as a bearer token, or once as
``?token=``, which sets an HttpOnly cookie and redirects to the same page without the token in
its address. The page shows only decision records, which never hold a draft's words, and the
template escapes everything it prints.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.review.models import Verdict

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import DecisionRecord, Store

PATH = "/audit"
COOKIE = "redteam_audit"
#: Days shown when the filter gives no start.
DEFAULT_DAYS = 30
#: Rows in the table; the chart counts every record in the range.
MAX_ROWS = 200
VERDICTS = [v.value for v in Verdict]

_HEADERS = {
    # No script at all; inline styles only; nothing loaded from anywhere.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Filters:
    since: date
    until: date
    channel: str
    verdict: str
    problem: str = ""

    @classmethod
    def from_query(cls, query: Any, today: date) -> Filters:
        problems: list[str] = []
        since = _day(query.get("since"), problems, "From")
        until = _day(query.get("until"), problems, "To")
        until = until or today
        since = since or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            problems.append("'From' is after 'To'")
            since, until = until, since
        verdict = str(query.get("verdict") or "")
        if verdict not in VERDICTS:
            verdict = ""
        channel = str(query.get("channel") or "").strip().lstrip("#")[:64]
        return cls(since, until, channel, verdict, "; ".join(problems))

    def days(self) -> list[date]:
        return [self.since + timedelta(days=i) for i in range((self.until - self.since).days + 1)]


def _day(value: str | None, problems: list[str], label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"'{label}' is not a date")
        return None


class AuditPage:
    """The page's handler; the store is opened on the first request, in a worker thread."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        assert settings.audit_token is not None
        self._token = settings.audit_token.get_secret_value().encode()
        # The cookie holds a value derived from the token, never the token itself.
        self._cookie = hmac.new(self._token, b"redteam audit cookie", hashlib.sha256).hexdigest().encode()
        self._settings = settings
        self._store = store
        self._opening = threading.Lock()

    def _open_store(self) -> Store:
        from bot.store import Store

        with self._opening:
            if self._store is None:
                self._store = Store.from_settings(self._settings)
            return self._store

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self._token):
            return True
        cookie = request.cookies.get(COOKIE, "")
        return hmac.compare_digest(cookie.encode(), self._cookie)

    async def handle(self, request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:
            if not hmac.compare_digest(token.encode(), self._token):
                return self._refuse("That token does not open the audit.")
            rest = {k: v for k, v in request.query_params.items() if k != "token"}
            target = PATH + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(target, status_code=303, headers=_HEADERS)
            response.set_cookie(COOKIE, self._cookie.decode(), httponly=True, samesite="strict", path=PATH,
                                secure=request.url.scheme == "https", max_age=12 * 3600)
            return response
        if not self._authorised(request):
            return self._refuse("This page needs the audit token.")
        today = datetime.now(UTC).date()
        filters = Filters.from_query(request.query_params, today)
        store = await asyncio.to_thread(self._open_store)
        records = await asyncio.to_thread(
            store.decision_records,
            since=datetime.combine(filters.since, datetime.min.time(), UTC),
            until=datetime.combine(filters.until + timedelta(days=1), datetime.min.time(), UTC),
            channel=filters.channel or None,
            verdict=filters.verdict or None,
        )
        html = _templates.get_template("audit.html").render(
            filters=filters, verdicts=VERDICTS, rows=[_row(r) for r in records[:MAX_ROWS]],
            total=len(records), shown=min(len(records), MAX_ROWS), chart=_chart(records, filters),
            categories=_category_counts(records),
        )
        return HTMLResponse(html, headers=_HEADERS)

    def _refuse(self, why: str) -> Response:
        html = _templates.get_template("audit_locked.html").render(why=why)
        return HTMLResponse(html, status_code=401, headers={**_HEADERS, "WWW-Authenticate": "Bearer"})


def _row(record: DecisionRecord) -> dict[str, Any]:
    row: dict[str, Any] = record.audit_row()
    row["categories_list"] = record.categories
    row["when"] = record.created_at.strftime("%Y-%m-%d %H:%M")
    return row


@dataclass
class Bar:
    day: str
    x: float
    segments: list[tuple[str, float, float, int]]  # verdict, y, height, count


def _chart(records: list[DecisionRecord], filters: Filters) -> dict[str, Any]:
    """Stacked bars: reviews per day, by verdict, as coordinates for an inline SVG."""
    per_day: dict[date, Counter[str]] = {d: Counter() for d in filters.days()}
    for r in records:
        day = r.created_at.astimezone(UTC).date()
        if day in per_day:
            per_day[day][r.verdict] += 1
    height, width_each = 120.0, 18.0
    peak = max((sum(c.values()) for c in per_day.values()), default=0) or 1
    bars = []
    for i, (day, counts) in enumerate(sorted(per_day.items())):
        y = height
        segments = []
        for verdict in VERDICTS:
            n = counts.get(verdict, 0)
            if n:
                h = height * n / peak
                y -= h
                segments.append((verdict, round(y, 2), round(h, 2), n))
        bars.append(Bar(day.isoformat(), i * width_each, segments))
    # The margin leaves room for the last day's label.
    return {"bars": bars, "height": height, "width": max(len(bars) * width_each, width_each) + 30,
            "bar_width": width_each - 4, "peak": peak}


def _category_counts(records: list[DecisionRecord]) -> list[tuple[str, int, float]]:
    counts = Counter(c for r in records for c in r.categories)
    top = max(counts.values(), default=1)
    return [(name, n, round(100 * n / top, 1)) for name, n in counts.most_common()]


def audit_routes(settings: Settings) -> list[BaseRoute]:
    """The page's route when ``REDTEAM_AUDIT_TOKEN`` is set; none (so a 404) otherwise."""
    if settings.audit_token is None or not settings.audit_token.get_secret_value():
        return []
    return [Route(PATH, AuditPage(settings).handle, methods=["GET"])]
