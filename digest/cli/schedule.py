"""`digest schedule`: serve each list's digest on its cron schedule (Prefect serve)."""

from __future__ import annotations
