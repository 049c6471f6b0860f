"""All settings, from the environment and ``.env``.

The app's own settings carry the ``REDTEAM_`` prefix; the SDKs' keep their usual names
(``OPENAI_API_KEY``, ``SLACK_BOT_TOKEN``...). Every field is documented in docs/settings.md and
``.env.example``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REDTEAM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- offline checker -------------------------------------------------------------
    rules_dir: Path | None = Field(default=None, description="Folder of rule packs; default: rules/.")
    checker_config: Path | None = Field(
        default=None,
        description="YAML that turns rules off and allow-lists terms (see rules/config.example.yaml).",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Where the checker remembers rule folders it has checked (safe to delete); "
        "default: the user's cache folder (~/.cache/redteam).",
    )

    # --- LLM ---------------------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    azure_openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_API_KEY")
    )
    azure_openai_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_ENDPOINT")
    )
    openai_api_version: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_VERSION"))
    model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 30.0
    llm_retry_seconds: float = 60.0
    llm_structured_outputs: bool = Field(
        default=True, description="Use json_schema response_format; off = JSON mode + validation."
    )
    llm_max_input_tokens: int = Field(
        default=16000, description="Estimated token budget of one LLM request (rubric + draft)."
    )
    llm_max_output_tokens: int = 1800
    llm_cache_size: int = 512
    brand_profile: Path | None = None
    prompts_dir: Path | None = None

    # --- Slack -------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_api_url: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_API_URL"))
    review_channels: str = "social-review"
    reply_in_threads_without_mention: bool = False
    max_request_bytes: int = Field(
        default=1024 * 1024, ge=1024,
        description="Largest request body the HTTP server accepts; larger ones get 413 unread.",
    )
    # The name hosting platforms (Heroku, Render, Dokku...) set for a web process's worker count.
    web_concurrency: int = Field(
        default=1,
        ge=1,
        validation_alias=AliasChoices("WEB_CONCURRENCY"),
        description="Worker processes of `redteam serve` when --workers is not given.",
    )

    # --- Microsoft Teams ---------------------------------------------------------------
    teams_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TEAMS_CLIENT_ID"),
        description="The Azure Bot's app id; setting it turns Teams on.",
    )
    teams_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TEAMS_CLIENT_SECRET")
    )
    teams_tenant_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TEAMS_TENANT_ID"),
        description="The tenant of a single-tenant bot; unset for a multi-tenant one.",
    )
    teams_cloud: Literal["Public", "USGov", "USGovDoD", "China"] = Field(
        default="Public", validation_alias=AliasChoices("TEAMS_CLOUD")
    )
    teams_openid_metadata_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TEAMS_OPENID_METADATA_URL"),
        description="Where Bot Framework token signing keys are published; the keys are read at the "
        "same path ending in /keys.",
    )
    teams_login_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TEAMS_LOGIN_URL"),
        description="The Microsoft Entra ID host the bot asks for its own tokens (https).",
    )
    teams_dangerously_allow_unauthenticated_requests: bool = Field(
        default=False,
        validation_alias=AliasChoices("TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS"),
        description="Accept Teams requests without a token: local testing only.",
    )
    teams_graph_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TEAMS_GRAPH_URL"),
        description="Microsoft Graph's base URL, for finding a reply whose post may have failed "
        "(default: the cloud's own; empty: never ask Graph).",
    )
    teams_review_channels: str = Field(
        default="",
        description="Teams channels (ids 19:...@thread.tacv2 or names) where every post is a draft.",
    )

    # --- delivery ----------------------------------------------------------------------
    reply_retry_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Seconds a reply that fails to post is retried before a notice says so.",
    )
    slack_posts_per_second: float = Field(
        default=1.0, gt=0, description="Posts per second into one Slack channel (Slack allows about 1)."
    )
    slack_post_burst: int = Field(default=3, ge=1, description="Posts into one Slack channel at once.")
    teams_thread_limits: str = Field(
        default="7/1,8/2,60/30,1800/3600",
        description="The bot's pace in one Teams conversation (a channel thread, a chat): comma-separated "
        "OPERATIONS/SECONDS, each kept in any window of that length (Teams' own limits by default).",
    )
    teams_app_requests_per_second: int = Field(
        default=50,
        ge=1,
        description="Calls to Teams per second from one process, all conversations together (Teams "
        "allows an app 50 a second per tenant: divide it among the bot's processes; `redteam serve "
        "--workers N` gives each 50 / N when this is not set).",
    )
    owed_lease_seconds: float = Field(
        default=30.0,
        ge=3,
        description="Seconds a stopped process's unfinished reply waits before another process says so.",
    )

    # --- clearance -------------------------------------------------------------------
    approvers: str = Field(
        default="",
        description="Who may clear drafts to post: Slack user ids, Slack user-group ids (S...) and "
        "Teams AAD object ids, comma-separated; empty: anyone but the draft's author.",
    )
    block_do_not_post: bool = Field(
        default=False, description="Drafts with a do_not_post verdict can't be cleared at all."
    )

    # --- storage -----------------------------------------------------------------------
    database_url: str = "sqlite:///redteam.sqlite3"
    retention_days: int = Field(
        default=30, ge=1, description="Days the store keeps reviews, draft text included."
    )
    audit_retention_days: int = Field(
        default=365,
        ge=1,
        description="Days the store keeps decision records (verdict, clearance, feedback; no draft text).",
    )
    audit_token: SecretStr | None = Field(
        default=None, description="Turns on the /audit page of `redteam serve`; the token that opens it."
    )

    log_level: str = "INFO"

    @field_validator("teams_thread_limits")
    @classmethod
    def _thread_limits(cls, value: str) -> str:
        parse_windows(value)
        return value

    @field_validator("teams_cloud", mode="before")
    @classmethod
    def _cloud_name(cls, value: object) -> object:
        # The SDK's names, in any case: "usgov" is USGov.
        if isinstance(value, str):
            for name in ("Public", "USGov", "USGovDoD", "China"):
                if value.strip().lower() == name.lower():
                    return name
        return value

    @field_validator("teams_openid_metadata_url")
    @classmethod
    def _openid_metadata_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = value.strip().rstrip("/")
        if not url.startswith(("https://", "http://")) or not url.endswith("/openidconfiguration"):
            raise ValueError(
                "TEAMS_OPENID_METADATA_URL must be an http(s) URL ending in /openidconfiguration "
                "(for example https://login.botframework.com/v1/.well-known/openidconfiguration)"
            )
        return url

    @field_validator("teams_login_url")
    @classmethod
    def _login_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = value.strip().rstrip("/")
        if not url.startswith("https://"):
            raise ValueError("TEAMS_LOGIN_URL must be an https URL, for example https://login.microsoftonline.com")
        return url

    @property
    def teams_enabled(self) -> bool:
        """Teams is on when the bot's app id is set."""
        return bool(self.teams_client_id and self.teams_client_id.strip())

    @property
    def slack_enabled(self) -> bool:
        """Slack's HTTP endpoint is on when either of its settings is set."""
        return self.slack_bot_token is not None or self.slack_signing_secret is not None

    @property
    def teams_thread_windows(self) -> tuple[tuple[int, float], ...]:
        return parse_windows(self.teams_thread_limits)

    @property
    def teams_review_channel_list(self) -> list[str]:
        return [c.strip() for c in self.teams_review_channels.split(",") if c.strip()]

    @property
    def llm_configured(self) -> bool:
        """True when any LLM endpoint is configured: a key, a base URL or Azure."""
        return bool(self.openai_api_key or self.openai_base_url or self.azure_openai_endpoint)

    @property
    def review_channel_list(self) -> list[str]:
        return [c.strip().lstrip("#") for c in self.review_channels.split(",") if c.strip()]


def parse_windows(spec: str) -> tuple[tuple[int, float], ...]:
    """``"7/1,60/30"`` as ``((7, 1.0), (60, 30.0))``: at most 7 in any second, 60 in any 30 s."""
    windows = []
    for part in spec.split(","):
        count, sep, seconds = part.strip().partition("/")
        try:
            window = (int(count), float(seconds))
        except ValueError:
            window = (0, 0.0)
        if not sep or window[0] < 1 or not window[1] > 0:
            raise ValueError(f"expected OPERATIONS/SECONDS such as 7/1, not {part.strip()!r}")
        windows.append(window)
    return tuple(windows)
