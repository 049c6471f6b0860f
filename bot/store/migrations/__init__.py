"""Alembic migrations of the store's schema; run by ``bot.store.migrate`` (``redteam db upgrade``)."""
