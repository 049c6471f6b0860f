"""Fakes of the outside world for tests: real HTTP servers on 127.0.0.1 (OpenAI, Slack Web API)."""
