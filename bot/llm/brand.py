"""The brand profile: who is posting, in what voice, to whom, and what to stay away from.

A comms lead keeps it in a YAML or TOML file named by ``REDTEAM_BRAND_PROFILE`` (example:
``prompts/brand_profile.example.yaml``). It goes into the fixed part of the prompt.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: Long enough for a useful profile, short enough that it cannot crowd out the draft's budget.
MAX_PROFILE_CHARS = 4000


class BrandProfileError(ValueError):
    """The profile file cannot be used; ``str(exc)`` says which file and why."""


class BrandProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "the brand"
    voice: str = (
        "Friendly and plain-spoken. A paid service that stays neutral about what its customers do "
        "with it: warm, never mocking."
    )
    audience: str = "The general public, including customers of every age, background and ability."
    topics_to_avoid: list[str] = Field(default_factory=list)
    past_incidents: list[str] = Field(default_factory=list)
    notes: str = ""

    def as_prompt_text(self) -> str:
        lines = [f"Brand: {self.name}", f"Voice: {self.voice.strip()}", f"Audience: {self.audience.strip()}"]
        if self.topics_to_avoid:
            lines.append("Topics to avoid:")
            lines.extend(f"- {t.strip()}" for t in self.topics_to_avoid)
        if self.past_incidents:
            lines.append("Past incidents to learn from:")
            lines.extend(f"- {t.strip()}" for t in self.past_incidents)
        if self.notes.strip():
            lines.append(f"Notes: {self.notes.strip()}")
        return "\n".join(lines)


def load_brand_profile(path: Path | None) -> BrandProfile:
    """The profile in ``path`` (YAML or TOML), or the defaults when ``path`` is None."""
    if path is None:
        return BrandProfile()
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BrandProfileError(f"the brand profile {path} cannot be read ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw) if path.suffix.lower() == ".toml" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise BrandProfileError(f"the brand profile {path} is not valid {_kind(path)}: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BrandProfileError(f"the brand profile {path} must be a mapping of fields (name, voice, ...)")
    try:
        profile = BrandProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}" for err in exc.errors()
        )
        raise BrandProfileError(f"the brand profile {path} has problems: {problems}") from None
    if len(profile.as_prompt_text()) > MAX_PROFILE_CHARS:
        raise BrandProfileError(
            f"the brand profile {path} is longer than {MAX_PROFILE_CHARS:,} characters; shorten it"
        )
    return profile


def _kind(path: Path) -> str:
    return "TOML" if path.suffix.lower() == ".toml" else "YAML"
