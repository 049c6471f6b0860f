"""PLACEHOLDER owned by the checker helper: replaced by the real offline checker."""

from __future__ import annotations

from bot.review.models import Draft, Review, RiskLevel, Risk, verdict_for


class OfflineChecker:
    def find_risks(self, text: str) -> list[Risk]:
        return []

    def review(self, draft: Draft) -> Review:
        risks = self.find_risks(draft.text)
        return Review(draft=draft, verdict=verdict_for(risks), risk_level=RiskLevel.of(risks), risks=risks,
                      engines=["offline"])
