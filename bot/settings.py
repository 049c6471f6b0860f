"""All settings, from the environment and ``.env``.

The app's own settings carry the ``REDTEAM_`` prefix; the SDKs' keep their usual names
(``OPENAI_API_KEY``, ``SLACK_BOT_TOKEN``...). Every field is documented in README.md and
``.env.example``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
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

    # --- storage -----------------------------------------------------------------------
    database_url: str = "sqlite:///redteam.sqlite3"
    retention_days: int = Field(
        default=30, ge=1, description="Days the store keeps reviews (draft text included) and feedback."
    )

    log_level: str = "INFO"

    @property
    def llm_configured(self) -> bool:
        """True when any LLM endpoint is configured: a key, a base URL or Azure."""
        return bool(self.openai_api_key or self.openai_base_url or self.azure_openai_endpoint)

    @property
    def review_channel_list(self) -> list[str]:
        return [c.strip().lstrip("#") for c in self.review_channels.split(",") if c.strip()]
