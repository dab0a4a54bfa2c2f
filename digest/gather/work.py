"""The CPU work of a gather (parsing feeds, extracting pages), off the event loop.

Each call runs in a daemon thread of its own, at most WORK_PER_SOURCE at once for one
source: a source of heavy pages then cannot hold up the others' extraction, and when the
gather's deadline cancels the task that waits for it, the thread finishes on its own.
Neither the report nor the process's exit waits for it (asyncio's default executor is
joined by asyncio.run, which kept the report waiting for every page still being read).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

WORK_PER_SOURCE = 2
_SOURCE_SLOTS: contextvars.ContextVar[asyncio.Semaphore | None] = contextvars.ContextVar("source_slots", default=None)


def begin_source() -> None:
    """Give the calling task (and the tasks it starts) a source's own share of threads."""
    _SOURCE_SLOTS.set(asyncio.Semaphore(WORK_PER_SOURCE))


async def off_loop(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    slots = _SOURCE_SLOTS.get()
    if slots is None:
        return await _in_thread(function, *args, **kwargs)
    async with slots:
        return await _in_thread(function, *args, **kwargs)


async def _in_thread(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def deliver(failure: BaseException | None, result: Any = None) -> None:
        if future.done():  # the task was cancelled: the gather went on without it
            return
        if failure is None:
            future.set_result(result)
        else:
            future.set_exception(failure)

    def run() -> None:
        try:
            outcome: tuple[BaseException | None, Any] = (None, context.run(function, *args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 -- handed to the awaiting task, which raises it
            outcome = (exc, None)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(deliver, *outcome)

    threading.Thread(target=run, name="digest-gather-work", daemon=True).start()
    return await future
