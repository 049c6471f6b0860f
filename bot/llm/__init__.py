"""The LLM devil's advocate: prompt, client, retries and the structured call. No chat-platform code."""
