"""Read-only web pages served by ``redteam serve`` beside the chat endpoints."""
