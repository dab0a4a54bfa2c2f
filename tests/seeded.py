"""The seeds gathered into an in-memory store, composed into the next digest."""

from __future__ import annotations

import asyncio
from datetime import date

from digest.app import next_digest
from digest.config import DEMO_CONFIG, load_settings
from digest.gather.fetch import make_client
from digest.gather.sources import gather
from digest.models import Digest
from digest.store import Store

DAY = date(2026, 11, 24)


def seeded_digest() -> tuple[Digest, object]:
    settings = load_settings(DEMO_CONFIG, environ={})
    with Store("sqlite://") as store:

        async def go():
            async with make_client(settings.fetch) as client:
                await gather(settings.sources, client=client, store=store, settings=settings.fetch)

        asyncio.run(go())
        daily = settings.list("daily")
        return next_digest(settings, daily, store=store, day=DAY), daily
