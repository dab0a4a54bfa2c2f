"""Alembic migrations of the store, run by `digest.store.migrate` (no alembic.ini)."""
