"""DKIM signatures made in a process of their own (digest.delivery.signing_process): the
same signatures as in the sending process, several messages a batch, the keys passed on
its input only, and a process that cannot start or ends mid-send leaves the signing to
the sending process with one warning, losing no message."""

from __future__ import annotations

import asyncio
import logging

import pytest

from digest.delivery import signing_process
from digest.delivery.send import SIGNING_PROCESS_FROM, Signing, _signing
from digest.delivery.signing_process import SigningProcess
from digest.mail.dkim import DkimSigner, private_pem
from tests.unit.test_dkim import READERS, factory, keys, verified


async def _sign_all(signing: SigningProcess, prepared) -> list:
    try:
        return await asyncio.gather(*(signing.sign(unsigned) for unsigned in prepared))
    finally:
        await signing.close()


async def test_signatures_made_in_the_process_are_those_made_here_and_verify():
    rsa, ed = keys()
    signer = DkimSigner([rsa, ed])
    made = factory(signer)
    prepared = [made.prepare(reader) for reader in READERS * 3]
    signing = SigningProcess(signer)
    signed = await _sign_all(signing, prepared)
    assert not signing.broken
    assert signing.signed == len(prepared) and 1 <= signing.batches < len(prepared)
    for unsigned, signatures in zip(prepared, signed, strict=True):
        # Ed25519 and RSA PKCS#1 v1.5 signatures are deterministic: the same bytes as here.
        assert signatures == unsigned.sign()
        assert verified(unsigned.complete(signatures), rsa, ed) == [True, True]
    assert signing.process is not None and signing.process.returncode == 0  # ended with its input


async def test_the_keys_reach_the_process_on_its_input_not_its_command_line(monkeypatch):
    seen: list[tuple] = []
    real = asyncio.create_subprocess_exec

    async def spy(*args, **kwargs):
        seen.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spy)
    _, ed = keys()
    signer = DkimSigner([ed])
    await _sign_all(SigningProcess(signer), [factory(signer).prepare(READERS[0])])
    assert seen and all(b"PRIVATE" not in str(arg).encode() for arg in seen[0])
    assert private_pem(ed.private_key).decode() not in " ".join(map(str, seen[0]))


async def test_a_process_that_cannot_start_leaves_the_signing_here_with_one_warning(monkeypatch, caplog):
    monkeypatch.setattr(signing_process.sys, "executable", "/nonexistent/python")
    _, ed = keys()
    signer = DkimSigner([ed])
    made = factory(signer)
    prepared = [made.prepare(reader) for reader in READERS]
    signing = SigningProcess(signer)
    with caplog.at_level(logging.WARNING, logger="digest.delivery.signing_process"):
        signed = await _sign_all(signing, prepared)
    assert [s == u.sign() for s, u in zip(signed, prepared, strict=True)] == [True] * len(prepared)
    warnings = [r.getMessage() for r in caplog.records]
    assert (
        len(warnings) == 1 and "/nonexistent/python" in warnings[0] and "signing in the sending process" in warnings[0]
    )


async def test_a_process_that_dies_mid_send_loses_no_message(caplog):
    _, ed = keys()
    signer = DkimSigner([ed])
    made = factory(signer)
    signing = SigningProcess(signer)
    first = await signing.sign(made.prepare(READERS[0]))
    assert signing.process is not None and first[1]
    signing.process.kill()
    await signing.process.wait()
    prepared = [made.prepare(reader) for reader in READERS * 2]
    with caplog.at_level(logging.WARNING, logger="digest.delivery.signing_process"):
        signed = await _sign_all(signing, prepared)
    assert signed == [unsigned.sign() for unsigned in prepared]
    assert signing.broken.startswith("exit status -9")
    assert len(caplog.records) == 1


async def test_a_key_the_process_cannot_read_is_named_in_one_line(monkeypatch, caplog):
    _, ed = keys()
    signer = DkimSigner([ed])
    monkeypatch.setattr(signing_process, "private_pem", lambda key: b"not a key")
    with caplog.at_level(logging.WARNING, logger="digest.delivery.signing_process"):
        signed = await _sign_all(SigningProcess(signer), [factory(signer).prepare(READERS[0])])
    assert (
        signed
        and "exit status 2: DkimError: the signing process: not a PEM private key" in caplog.records[0].getMessage()
    )
    assert "Traceback" not in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("rsa", "threads", "process", "owed", "expected"),
    [
        (False, None, None, SIGNING_PROCESS_FROM, SigningProcess),
        (False, None, None, SIGNING_PROCESS_FROM - 1, type(None)),
        (True, None, None, 100_000, Signing),
        (False, 0, None, 100_000, type(None)),
        (True, None, True, 10, SigningProcess),
        (False, None, False, 100_000, type(None)),
    ],
)
def test_where_messages_are_signed(monkeypatch, rsa, threads, process, owed, expected):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    rsa_key, ed = keys()
    signer = DkimSigner([rsa_key] if rsa else [ed])
    assert type(_signing(signer, threads=threads, process=process, owed=owed)) is expected


def test_on_one_core_ed25519_is_signed_inline(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    _, ed = keys()
    assert _signing(DkimSigner([ed]), threads=None, process=None, owed=100_000) is None
