"""Secrets kept in Prefect Secret blocks instead of the environment: the SMTP password,
the unsubscribe signing key and the DKIM key. The flows read them, and so does the CLI
when it talks to a Prefect server (PREFECT_API_URL), so that `digest web`, `unsubscribe`,
`send --test-to` and `dns` use the keys the flows sign and send with."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from digest.config import Settings

SMTP_PASSWORD = "digest-smtp-password"
UNSUBSCRIBE_SECRET = "digest-unsubscribe-secret"
DKIM_KEY = "digest-dkim-key"
BLOCKS = (SMTP_PASSWORD, UNSUBSCRIBE_SECRET, DKIM_KEY)  # read one after another, those needed


def missing(settings: Settings) -> bool:
    """Whether a secret a block may hold is not given by the config or the environment."""
    dkim = settings.dkim
    return (
        (bool(settings.smtp.username) and not settings.smtp.password)
        or not settings.unsubscribe.secret
        or (dkim.enabled and not (dkim.key or dkim.key_file))
    )


def with_secret_blocks(settings: Settings) -> Settings:
    """`settings` with each secret it lacks taken from its block, where one exists."""
    password = settings.smtp.password or _secret_block(SMTP_PASSWORD)
    secret = settings.unsubscribe.secret or _secret_block(UNSUBSCRIBE_SECRET)
    dkim = settings.dkim
    if dkim.enabled and not (dkim.key or dkim.key_file) and (key := _secret_block(DKIM_KEY)):
        dkim = replace(dkim, key=key, key_origin=f"the Prefect Secret block {DKIM_KEY}")
    return replace(
        settings,
        smtp=replace(settings.smtp, password=password),
        unsubscribe=replace(settings.unsubscribe, secret=secret),
        dkim=dkim,
    )


def load_client(*, wait: float) -> float:
    """Import what reading a block needs (Prefect's client), so that a caller can time the
    reading alone; how long to wait for the blocks: `wait`, or less when Prefect's own
    PREFECT_API_REQUEST_TIMEOUT, once for each block read, is shorter."""
    from prefect.blocks.system import Secret  # noqa: F401
    from prefect.settings import PREFECT_API_REQUEST_TIMEOUT

    timeout = PREFECT_API_REQUEST_TIMEOUT.value()
    return min(wait, timeout * len(BLOCKS)) if timeout and timeout > 0 else wait


def _secret_block(name: str) -> str:
    from prefect.blocks.system import Secret

    try:
        block = cast(Secret, Secret.load(name))  # called from sync code: the block itself, not a coroutine
        return block.get()
    except (ValueError, RuntimeError):  # no such block: the setting stays as configured
        return ""
