"""Delivery against a real SMTP server on 127.0.0.1 that fails on cue: transient
replies, dropped connections, permanent rejections, throttling and a slow server."""

from __future__ import annotations

import asyncio
import random
import socket

import pytest
import sqlalchemy as sa

from digest.delivery.send import DeliveryOptions
from digest.models import DeliveryStatus
from digest.store import deliveries_table, subscribers_table
from tests.faults.conftest import NOW, report, save_issue, send, subscribe
from tests.smtp_server import ANY, _BoundController

SEED = 7
SUBSCRIBERS = 2000
# Two tries a run: about 1 % of messages (two 451s in a row) are deferred to a second run.
FAST = DeliveryOptions(connections=8, batch=200, attempts=2, backoff=0.001, defer=0.0)


def ledger(store, issue_id: str) -> dict[str, tuple[str, int | None, int]]:
    """email -> (status, code, attempts) for the issue."""
    d, s = deliveries_table, subscribers_table
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(s.c.email, d.c.status, d.c.code, d.c.attempts)
            .join(s, s.c.id == d.c.subscriber_id)
            .where(d.c.issue_id == issue_id)
        ).all()
    return {r.email: (r.status, r.code, r.attempts) for r in rows}


async def send_until_done(store, issue, server, options=FAST, *, runs: int = 5):
    reports = []
    for _ in range(runs):
        reports.append(await send(store, issue, server, options))
        if reports[-1].complete or not reports[-1].owed:
            break
    return reports


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pipelining", "subscribers"), [(True, SUBSCRIBERS), (False, 500)], ids=["pipelined", "lockstep"]
)
async def test_fault_matrix_nothing_lost_nothing_twice(store, smtp_server, pipelining, subscribers):
    """10 % transient replies at RCPT, dropped connections before and after DATA,
    transient DATA replies, 550s and throttles across 2,000 subscribers; and the same
    against a server without PIPELINING, where each command waits for its reply."""
    smtp_server.pipelining = pipelining
    emails = subscribe(store, subscribers)
    rng = random.Random(SEED)
    picked = rng.sample(emails, 190)
    rejected, drop_before, drop_after, transient_data, throttled = (
        picked[:20],
        picked[20:80],
        picked[80:100],
        picked[100:180],
        picked[180:190],
    )
    faults = smtp_server.faults
    faults.seed = SEED
    faults.random_transient = 0.10
    faults.reject = dict.fromkeys(rejected, 550)
    faults.drop_before_data = dict.fromkeys(drop_before, 1)
    faults.drop_after_data = dict.fromkeys(drop_after, 1)
    faults.transient_data = dict.fromkeys(transient_data, 1)
    faults.throttle = dict.fromkeys(throttled, 1)
    issue = save_issue(store)
    issue_id = issue.rendered.digest.issue_id

    reports = await send_until_done(store, issue, smtp_server)

    final = reports[-1]
    # Uncertain deliveries keep the issue open until the operator settles them.
    assert not final.complete and final.owed == 0 and final.totals[DeliveryStatus.UNCERTAIN] == len(drop_after)
    assert store.complete_issue(issue_id, at=NOW, accept_uncertain=True)
    copies = {e: smtp_server.copies(e) for e in emails}
    lost = [e for e in emails if e not in rejected and copies[e] == 0]
    duplicates = sum(n - 1 for n in copies.values() if n > 1)
    assert lost == [] and duplicates == 0
    assert all(copies[e] == 0 for e in rejected)

    rows = ledger(store, issue_id)
    assert {e for e, (status, _, _) in rows.items() if status == "failed"} == set(rejected)
    assert all(rows[e][1] == 550 for e in rejected)
    assert {e for e, (status, _, _) in rows.items() if status == "uncertain"} == set(drop_after)
    totals = final.totals
    assert totals[DeliveryStatus.SENT] + totals[DeliveryStatus.UNCERTAIN] == len(smtp_server.accepted)
    assert totals[DeliveryStatus.FAILED] == len(rejected)
    assert sum(totals.values()) == subscribers
    assert totals[DeliveryStatus.PENDING] == totals[DeliveryStatus.SENDING] == totals[DeliveryStatus.DEFERRED] == 0
    # Every refusal the server made shows up as a try: RCPT attempts beyond one per address.
    extra_rcpt = sum(smtp_server.attempts.values()) - subscribers
    report(
        "SMTP fault matrix" + ("" if pipelining else ", server without PIPELINING"),
        {
            "subscribers": subscribers,
            "runs": len(reports),
            "messages accepted": len(smtp_server.accepted),
            "RCPT attempts": sum(smtp_server.attempts.values()),
            "retried RCPTs": extra_rcpt,
            "injected: 550 rejects": len(rejected),
            "injected: drop before DATA": len(drop_before),
            "injected: drop after DATA": len(drop_after),
            "injected: 451 after DATA": len(transient_data),
            "injected: 421 throttles": len(throttled),
            "injected: random 451 RCPT": "10 %",
            "sent": totals[DeliveryStatus.SENT],
            "uncertain (delivered once)": totals[DeliveryStatus.UNCERTAIN],
            "permanent failures": totals[DeliveryStatus.FAILED],
            "lost": len(lost),
            "duplicates": duplicates,
            "deferred after run 1": reports[0].totals[DeliveryStatus.DEFERRED],
            "throttle replies": sum(r.throttled for r in reports),
            "rate after throttles (msg/s)": f"{reports[0].rate:.0f}",
        },
    )


async def test_throttle_does_not_use_up_the_attempts(store, smtp_server):
    """421 (the server's "slow down") twice for one address with one attempt allowed:
    the message still goes out in this run, and the sender now keeps to a rate."""
    emails = subscribe(store, 6)
    smtp_server.faults.throttle = {emails[2]: 2}
    issue = save_issue(store)
    result = await send(store, issue, smtp_server, DeliveryOptions(connections=1, batch=10, attempts=1, backoff=0.001))
    assert result.complete and result.totals[DeliveryStatus.SENT] == 6
    assert all(smtp_server.copies(e) == 1 for e in emails)
    assert smtp_server.attempts[emails[2]] == 3  # two throttled tries and the one that counted
    assert result.throttled == 2
    assert result.rate > 0  # no rate was configured; the throttle set one


async def test_throttle_at_mail_slows_every_connection(store, smtp_server):
    emails = subscribe(store, 12)
    smtp_server.faults.throttle = {ANY: 3}
    issue = save_issue(store)
    result = await send(store, issue, smtp_server, DeliveryOptions(connections=3, batch=20, attempts=2, backoff=0.001))
    assert result.complete and result.totals[DeliveryStatus.SENT] == 12
    assert all(smtp_server.copies(e) == 1 for e in emails)
    assert result.throttled == 3 and result.rate > 0


async def test_throttle_halves_a_configured_rate(store, smtp_server):
    emails = subscribe(store, 4)
    # One connection sends in subscriber order: the last two are throttled last.
    smtp_server.faults.throttle = {emails[2]: 1, emails[3]: 1}
    issue = save_issue(store)
    result = await send(store, issue, smtp_server, DeliveryOptions(connections=1, rate=400, attempts=3, backoff=0.001))
    assert result.complete and all(smtp_server.copies(e) == 1 for e in emails)
    assert result.throttled == 2
    assert result.rate <= 400 / 4 * 1.05 * 1.05  # halved twice, then won back a little per success


async def test_454_with_a_rate_hint_is_a_throttle(store, smtp_server, monkeypatch):
    import tests.smtp_server as server_module

    monkeypatch.setattr(server_module, "THROTTLE", "454 4.7.0 Rate limit exceeded, slow down")
    emails = subscribe(store, 3)
    smtp_server.faults.throttle = {emails[0]: 2}
    issue = save_issue(store)
    result = await send(store, issue, smtp_server, DeliveryOptions(connections=1, attempts=1, backoff=0.001))
    assert result.complete and all(smtp_server.copies(e) == 1 for e in emails)
    assert result.throttled == 2 and result.rate > 0


async def test_a_server_that_always_throttles_defers_instead_of_looping(store, smtp_server):
    subscribe(store, 2)
    smtp_server.faults.throttle = {ANY: 10_000}
    issue = save_issue(store)
    options = DeliveryOptions(connections=1, rate=2000, attempts=3, backoff=0.001, max_throttles=3)
    result = await send(store, issue, smtp_server, options)
    assert result.totals[DeliveryStatus.DEFERRED] == 2 and not result.complete
    assert smtp_server.accepted == []
    assert result.throttled == 2 * 3  # each message: three throttled tries, then deferred


async def test_slow_server_within_the_timeout_still_works(store, smtp_server):
    emails = subscribe(store, 8)
    smtp_server.faults.delay = 0.2  # before each reply to DATA; the client waits up to 3 s
    issue = save_issue(store)
    result = await send(store, issue, smtp_server, DeliveryOptions(connections=4, backoff=0.001), timeout=3)
    assert result.complete and result.totals[DeliveryStatus.SENT] == 8
    assert all(smtp_server.copies(e) == 1 for e in emails)


async def test_server_slower_than_the_timeout_is_uncertain_not_resent(store, smtp_server):
    emails = subscribe(store, 1)
    smtp_server.faults.delay = 2.0
    issue = save_issue(store)
    result = await send(store, issue, smtp_server, DeliveryOptions(connections=1, backoff=0.001), timeout=1.0)
    assert result.totals[DeliveryStatus.UNCERTAIN] == 1
    again = await send(store, issue, smtp_server, DeliveryOptions(connections=1, backoff=0.001), timeout=1.0)
    assert sum(again.this_run.values()) == 0  # maybe delivered: never resent blindly
    assert smtp_server.copies(emails[0]) <= 1


async def test_a_run_tries_each_message_at_most_attempts_times_even_with_no_defer_delay(store, smtp_server):
    """defer=0 (the flow's send batches use it: Prefect's task retry is the later run)
    made a deferred row due again at once, so the same run claimed it again and again:
    a recipient the server always answers 451 kept the run going for ever."""
    emails = subscribe(store, 3)
    smtp_server.faults.transient_rcpt = {emails[1]: 1_000_000}
    issue = save_issue(store)
    options = DeliveryOptions(connections=1, attempts=2, backoff=0.001, defer=0.0)
    result = await asyncio.wait_for(send(store, issue, smtp_server, options), timeout=60)
    assert result.totals[DeliveryStatus.DEFERRED] == 1 and not result.complete
    assert smtp_server.attempts[emails[1]] == 2
    again = await asyncio.wait_for(send(store, issue, smtp_server, options), timeout=60)  # the later run tries again
    assert smtp_server.attempts[emails[1]] == 4 and again.totals[DeliveryStatus.SENT] == 2


@pytest.mark.parametrize("wait", ["pace", "backoff"])
async def test_a_stop_ends_a_slow_send_without_waiting_out_its_pace_or_backoff(store, smtp_server, wait):
    from digest.delivery.options import Stop

    emails = subscribe(store, 6)
    if wait == "pace":  # one message every 30 s: the queue behind the first waits minutes
        options = DeliveryOptions(connections=4, batch=10, rate=1 / 30)
    else:  # every message refused for now, then retried after 60 s
        smtp_server.faults.transient_rcpt = dict.fromkeys(emails, 5)
        options = DeliveryOptions(connections=4, batch=10, attempts=3, backoff=60)
    stop = Stop()
    asyncio.get_running_loop().call_later(1.0, stop.request, "stopped by SIGTERM")
    report_ = await asyncio.wait_for(
        send(store, save_issue(store), smtp_server, options, stop=stop),
        timeout=15,  # without heeding the stop: 150 s of pace, or 60 s of backoff
    )
    assert report_.stopped == "stopped by SIGTERM"
    assert sum(smtp_server.copies(e) for e in emails) <= 1


class _FlakyLogin:
    """A server that ends each session after `per_session` messages (421) and, from its
    `refuse_from`th connection on, answers AUTH with `code`."""

    def __init__(self, *, per_session: int, refuse_from: int, code: str) -> None:
        self.per_session, self.refuse_from, self.code = per_session, refuse_from, code
        self.connections = 0
        self.accepted: list[str] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        if self.connections >= self.refuse_from:
            return AuthResult(success=False, handled=False, message=self.code)
        return AuthResult(success=True)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.messages = 0
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        session.messages += 1
        if session.messages > self.per_session:
            server.transport.close()  # ends the session: the client reconnects and logs in again
            return "421 4.3.2 closing this session"
        self.accepted.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.mark.parametrize(
    ("code", "stopped"),
    [("454 4.7.0 Temporary authentication failure", "SMTP server unreachable"), ("535 5.7.8 No", "refused (535)")],
)
async def test_a_login_refused_on_a_reconnect_mid_send_ends_the_run_with_every_outcome_written(store, code, stopped):
    from digest.app import recipient_factory
    from digest.config import SmtpSettings
    from digest.delivery.send import deliver_issue
    from tests.helpers import LIST, SECRET

    emails = subscribe(store, 120)
    issue = save_issue(store)
    flaky = _FlakyLogin(per_session=10, refuse_from=3, code=code)
    sock = socket.create_server(("127.0.0.1", 0))
    controller = _BoundController(flaky, sock=sock, server_hostname="flaky.localhost",
                                  authenticator=flaky.authenticate, auth_require_tls=False)  # fmt: skip
    controller.start()
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=sock.getsockname()[1], security="none",
                            timeout=5, username="u", password="p")  # fmt: skip
        result = await deliver_issue(
            issue, store=store, smtp=smtp, sender=LIST.sender, recipient_for=recipient_factory(LIST, secret=SECRET),
            options=DeliveryOptions(connections=2, batch=50, attempts=2, backoff=0.001, defer=0.0, circuit=3),
        )  # fmt: skip
    finally:
        controller.stop()
    states = ledger(store, issue.rendered.digest.issue_id)
    sent = {email for email, (status, _, _) in states.items() if status == "sent"}
    accepted = len(flaky.accepted)
    assert sent == set(flaky.accepted) and accepted == len(set(flaky.accepted)) >= 10
    assert not [e for e, (status, _, _) in states.items() if status == "sending"]  # nothing held by a dead run
    assert stopped in result.stopped
    uncertain = result.totals[DeliveryStatus.UNCERTAIN]  # a message whose reply the closed session lost
    assert len(states) == len(emails) and result.owed == len(emails) - accepted - uncertain
