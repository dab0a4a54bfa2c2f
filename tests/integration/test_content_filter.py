"""A digest copy as the SMTP server received it, and the confirmation email, scored by
SpamAssassin offline (`spamassassin --local`: its own ruleset, no DNS, no network tests,
no Bayes): a widely used content filter that reads a message's make, as the big mailbox
providers' filters do.

The threshold: SpamAssassin calls mail spam at 5.0. A well-made message scores about 0
here; 2.0 leaves room for the rules our readers' articles can fire and we do not control
(LOTS_OF_MONEY on a story about a budget, 0.0; MIXED_ES on a Cyrillic story under the
English frame, 1.0), and is far from 5.0, which the network rules a receiver adds
(blocklists, DKIM) must not be able to reach. Rules about how a message is made, whatever
their score, must not fire at all: those are ours to get right."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest

from digest.app import next_digest, recipient_factory, render_for_list
from digest.config import DEMO_CONFIG, SmtpSettings, load_settings
from digest.delivery.send import deliver_issue
from digest.gather.fetch import make_client
from digest.gather.sources import gather
from digest.mail.confirmation import confirmation_message
from tests.helpers import FAST, SECRET, subscribe

THRESHOLD = 2.0
# Rules about a message's make (headers, MIME structure, HTML, links, images). A name
# ending in "_" stands for its whole family.
MAKE_RULES = (
    "MISSING_",  # MISSING_DATE, MISSING_MID, MISSING_FROM, MISSING_SUBJECT, MISSING_HEADERS...
    "INVALID_DATE",
    "INVALID_MSGID",
    "DATE_IN_",
    "MIME_HTML_MOSTLY",
    "MIME_HTML_ONLY",
    "MIME_QP_LONG_LINE",
    "MIME_BASE64_TEXT",
    "MPART_ALT_DIFF",
    "HTML_MIME_NO_HTML_TAG",
    "HTML_TAG_BALANCE_",
    "HTML_EXTRA_CLOSE",
    "HTML_BADTAG_",
    "HTML_FONT_LOW_CONTRAST",
    "HTML_IMAGE_",  # HTML_IMAGE_ONLY_*, HTML_IMAGE_RATIO_*
    "HTML_SHORT_LINK_IMG_",
    "HTML_OBFUSCATE_",
    "T_REMOTE_IMAGE",
    "TVD_",
    "NUMERIC_HTTP_ADDR",
    "NORMAL_HTTP_TO_IP",
    "SUBJ_ALL_CAPS",
    "FROM_EXCESS_BASE64",
    "TO_NO_BRKTS_",
    "T_KAM_HTML_FONT_INVALID",
)
DAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def spamassassin(message: bytes, *, home) -> tuple[float, dict[str, float]]:
    """(score, {rule: points}) of `message` by SpamAssassin with its local rules only."""
    home.mkdir(exist_ok=True)
    prefs = home / "user_prefs"
    prefs.write_text("use_bayes 0\n")  # nothing learnt, nothing written
    result = subprocess.run(
        ["spamassassin", "--local", "-p", str(prefs), "--cf", "add_header all Tests _TESTSSCORES(,)_"],
        input=message,
        capture_output=True,
        env={**os.environ, "HOME": str(home)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    checked = email.message_from_bytes(result.stdout, policy=email.policy.compat32)
    status = " ".join(checked["X-Spam-Status"].split())
    score = float(status.split("score=", 1)[1].split()[0])
    rules = {}
    for entry in " ".join(checked["X-Spam-Tests"].split()).replace(" ", "").split(","):
        if entry and entry != "none":
            name, _, points = entry.partition("=")
            rules[name] = float(points)
    return score, rules


def make_rules(rules: dict[str, float]) -> list[str]:
    return sorted(r for r in rules if any(r == m or (m.endswith("_") and r.startswith(m)) for m in MAKE_RULES))


async def _captured_digest(store, smtp_server) -> bytes:
    """The demo's digest (the quick start's), sent to one reader through a real SMTP server,
    with links to an HTTPS web service as a deployment's are."""
    settings = load_settings(DEMO_CONFIG, environ={"DIGEST_WEB_BASE_URL": "https://news.example.org"})
    daily = settings.list("daily")
    async with make_client(settings.fetch) as client:
        await gather(settings.sources, client=client, store=store, settings=settings.fetch)
    digest = next_digest(settings, daily, store=store, day=DAY)
    assert digest is not None and len(digest.items) > 1
    [address] = subscribe(store, 1)
    store.save_issue(render_for_list(digest, daily), article_urls=[i.article.url for i in digest.items], at=NOW)
    report = await deliver_issue(
        store.issue(digest.issue_id),
        store=store,
        smtp=SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none", timeout=5),
        sender=daily.sender,
        recipient_for=recipient_factory(daily, secret=SECRET),
        options=FAST,
    )
    assert report.complete
    [copy] = smtp_server.by_recipient()[address]
    return copy.data


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("spamassassin") is None, reason="spamassassin is not installed (Debian: spamassassin)")
async def test_a_sent_digest_and_the_confirmation_are_well_made_mail_to_spamassassin(
    sqlite_store, smtp_server, tmp_path
):
    digest_copy = await _captured_digest(sqlite_store, smtp_server)
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in digest_copy
    _, confirmation = confirmation_message(
        sender="The Daily Digest <digest@example.org>",
        to="ana.moreau@example.org",
        list_title="The Daily Digest",
        confirm_url="https://news.example.org/confirm?token=WyJkYWlseSJd.pMiV8UqbMXp5rOzGSCt1lg",
        hours=48,
    )
    for kind, message in (("digest", digest_copy), ("confirmation", confirmation)):
        score, rules = spamassassin(message, home=tmp_path / "sa-home")
        assert "HTML_MESSAGE" in rules, (kind, rules)  # it did read the message's HTML part
        assert make_rules(rules) == [], (kind, rules)
        assert score < THRESHOLD, (kind, score, rules)


def test_make_rules_names_whole_families():
    assert make_rules({"HTML_IMAGE_RATIO_02": 0.8, "TVD_SPACE_RATIO": 0.0, "HTML_MESSAGE": 0.0}) == [
        "HTML_IMAGE_RATIO_02",
        "TVD_SPACE_RATIO",
    ]
    assert make_rules({"MISSING_MID": 0.5, "LOTS_OF_MONEY": 0.0}) == ["MISSING_MID"]
