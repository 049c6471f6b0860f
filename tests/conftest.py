"""Fixtures shared by the tests: the shipped rules' checker, and the store's databases."""

from __future__ import annotations

import functools
import os
import shutil
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.checker_config import CheckerConfig
from bot.settings import Settings
from bot.store.engine import normalise_url

if TYPE_CHECKING:
    from tests.teams_harness import Identity

#: A PostgreSQL server for the store's tests (``scripts/with-postgres`` starts one; CI does).
POSTGRES_URL = os.environ.get("REDTEAM_TEST_POSTGRES_URL")


#: Files whose single tests take seconds (a real process, a lease or a retry window waited out, the
#: linear-time fuzz), longest first. They run before the rest, so a run ends on short tests and
#: neither test process sits idle while the other finishes a long one.
LONG_FIRST = (
    "test_matching_time.py",
    "test_slack_workers.py",
    "test_cli_rules.py",
    "test_delivery.py",
    "test_teams_owed.py",
    "test_teams_conversation.py",
    "test_teams_pacing.py",
    "test_teams_outbox.py",
    "test_web_audit.py",
    "test_cli_subprocess.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    # Whole files move, each in its own order: module fixtures are still built once.
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


# PostgreSQL runs are opt-in: the tests must pass on a machine without a server.
@pytest.fixture(params=["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    assert POSTGRES_URL
    # A schema of its own per test, so runs never see each other's rows.
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()




@functools.cache
def shipped_checker() -> OfflineChecker:
    """The checker of the shipped rules, built once per test process."""
    return OfflineChecker()


@functools.cache
def rules_only_checker() -> OfflineChecker:
    """The shipped rules and detectors without the trained classifier, built once per process."""
    return OfflineChecker(config=CheckerConfig(disabled_rules=["classifier"]))


@pytest.fixture(scope="session", autouse=True)
def _shipped_rules_loaded_once() -> Iterator[None]:
    """Every service or app built from settings that name no rules folder, checker config or cache
    folder gets the shared checker of the shipped rules instead of loading the same files again.
    Settings that name any of them still build their own, as the product does."""
    build = OfflineChecker.from_settings.__func__  # type: ignore[attr-defined]

    def from_settings(cls: type[OfflineChecker], settings: Settings, *,
                      with_classifier: bool = True) -> OfflineChecker:
        if (with_classifier and settings.rules_dir is None and settings.checker_config is None
                and settings.cache_dir is None):
            return shipped_checker()
        return build(cls, settings, with_classifier=with_classifier)  # type: ignore[no-any-return]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OfflineChecker, "from_settings", classmethod(from_settings))
        yield


@pytest.fixture(scope="session", autouse=True)
def _default_tls_context_made_once() -> Iterator[None]:
    """Each HTTP client httpx builds (the Teams SDK builds four per app, the OpenAI client one per
    service) loads the certificate authorities again: about 30 ms of CPU, paid hundreds of times
    a run. The default context (certifi's, or SSL_CERT_FILE's / SSL_CERT_DIR's) is built once per
    process and shared; a context asked for anything else is built as usual."""
    import httpx._transports.default as transport

    build = transport.create_ssl_context
    made: dict[tuple[bool, str | None, str | None], ssl.SSLContext] = {}

    def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is not True or cert:
            return build(verify=verify, cert=cert, trust_env=trust_env)
        key = (trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        if key not in made:
            made[key] = build(verify=verify, cert=cert, trust_env=trust_env)
        return made[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "create_ssl_context", create_ssl_context)
        yield


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the shipped rules folder in the test's own folder, for a test that edits rules.

    Without the trained classifier: what a rule or a combination does is then all there is to
    see (tests/test_classifier.py tests the classifier, on its own and in the checker)."""
    target = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), target, ignore=shutil.ignore_patterns("classifier.json"))
    return target


@pytest.fixture(scope="session")
def checker() -> OfflineChecker:
    """The checker of the shipped rules, shared: it holds no state between drafts."""
    return shipped_checker()


@pytest.fixture(scope="session")
def rule_checker() -> OfflineChecker:
    """The shipped rules and detectors alone, for tests that pin what a rule or a detector says
    (the classifier, trained on examples, is tested on its own and measured by ``redteam eval``)."""
    return rules_only_checker()


@pytest.fixture
def offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No LLM configured, no ``.env`` to pick up (the working folder is the test's own), and no
    colour or Slack address inherited from the shell that runs the tests."""
    for name in list(os.environ):
        if name.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_")) or name in {"NO_COLOR", "SLACK_API_URL"}:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def ident(tmp_path: Path) -> Iterator[Identity]:
    """A Teams bot identity: signing keys and Entra ID served locally, and the fake connector."""
    from tests.teams_harness import identity  # the Teams SDK is imported only by Teams tests

    with identity(tmp_path) as value:
        yield value


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outbox's pauses between tries, shortened so a test sees many tries in a short window."""
    from bot.conversation import outbox

    monkeypatch.setattr(outbox, "FIRST_BACKOFF_SECONDS", 0.02)
    monkeypatch.setattr(outbox, "MAX_BACKOFF_SECONDS", 0.2)
