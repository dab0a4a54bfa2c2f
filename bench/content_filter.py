"""Each kind of message we send, scored by SpamAssassin offline (`spamassassin --local`:
Debian's ruleset, no DNS, no network tests, no Bayes).

usage: python bench/content_filter.py [--keep DIR]

Builds a digest of the demo (the quick start's), of one story, of 30, of 12 with images, of
Cyrillic, Chinese and Arabic stories, a DKIM-signed one, and the confirmation email; prints
one row per message: its score and the rules that fired with their points. --keep writes the
messages to DIR (each then checks with `spamassassin -L -t < DIR/NAME.eml`).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from digest.app import next_digest, render_for_list  # noqa: E402
from digest.config import DEMO_CONFIG, ListSettings, load_settings  # noqa: E402
from digest.gather.fetch import make_client  # noqa: E402
from digest.gather.sources import gather  # noqa: E402
from digest.mail.compose import compose  # noqa: E402
from digest.mail.confirmation import confirmation_message  # noqa: E402
from digest.mail.dkim import DkimKey, DkimSigner, generate_private_key  # noqa: E402
from digest.mail.message import MessageFactory, Recipient  # noqa: E402
from digest.models import Article, Digest, Summary  # noqa: E402
from digest.store import Store  # noqa: E402

DAY = date(2026, 12, 2)
BASE = "https://news.example.org"
LIST = ListSettings(
    name="daily",
    title="The Daily Digest",
    sender="The Daily Digest <digest@example.org>",
    postal_address="Example Media\n1 Harbour Street\nPortsmouth PO1 2AB",
    unsubscribe_url=f"{BASE}/unsubscribe?token={{token}}",
    view_url=f"{BASE}/issues/{{issue}}",
)
READER = Recipient(
    email="ana.moreau@example.com",
    name="Ana Moreau",
    unsubscribe_url=f"{BASE}/unsubscribe?token=WyJkYWlseSJd.pMiV8UqbMXp5rOzGSCt1lg",
    unsubscribe_mailto="mailto:unsubscribe@example.org?subject=unsubscribe%20WyJkYWlseSJd.pMiV8UqbMXp5rOzGSCt1lg",
)
STORIES = {
    "en": (
        "Library extends winter opening hours",
        (
            "The council voted on Tuesday to extend the library's opening hours through the winter. "
            "Residents had asked for longer evening hours in the spring consultation. "
            "The change is paid for from the culture budget."
        ),
    ),
    "ru": (
        "Городской совет продлил часы работы библиотеки",
        (
            "Совет во вторник проголосовал за продление часов работы библиотеки на зиму. "
            "Жители просили об этом весной. Изменение оплачивается из бюджета на культуру."
        ),
    ),
    "zh": (
        "市议会延长图书馆冬季开放时间",
        "市议会周二投票决定延长图书馆冬季的开放时间。居民在春季的咨询中提出了这一要求。费用由文化预算支付。",
    ),
    "ar": (
        "مجلس المدينة يمدد ساعات عمل المكتبة",
        (
            "صوّت المجلس يوم الثلاثاء على تمديد ساعات عمل المكتبة خلال فصل الشتاء. "
            "طلب السكان ذلك في الربيع. تُدفع التكلفة من ميزانية الثقافة."
        ),
    ),
}


def stories(count: int, *, language: str = "en", images: bool = False) -> Digest:
    title, body = STORIES[language]
    summaries = []
    for i in range(count):
        article = Article(
            url=f"{BASE}/2026/12/story-{i + 1}",
            title=f"{title} {i + 1}",
            paragraphs=(body,) * 6,
            authors=("Jane Doe",),
            published=datetime(2026, 12, 1, 9, tzinfo=UTC),
            source="local",
            image=f"{BASE}/images/story-{i + 1}.jpg" if images else None,
        )
        summaries.append(Summary(article=article, sentences=(body,), algorithm="lead"))
    return compose(summaries, list_name="daily", title=LIST.title, day=DAY, show_images=images, max_items=50)


def demo_digest() -> tuple[Digest, ListSettings]:
    settings = load_settings(DEMO_CONFIG, environ={"DIGEST_WEB_BASE_URL": BASE})
    daily = settings.list("daily")
    with Store("sqlite://") as store:

        async def go() -> None:
            async with make_client(settings.fetch) as client:
                await gather(settings.sources, client=client, store=store, settings=settings.fetch)

        asyncio.run(go())
        digest = next_digest(settings, daily, store=store, day=DAY)
    assert digest is not None
    return digest, daily


def digest_message(digest: Digest, list_settings: ListSettings = LIST, *, signer: DkimSigner | None = None) -> bytes:
    rendered = render_for_list(digest, list_settings)
    view = list_settings.view_url.replace("{issue}", digest.issue_id)
    return MessageFactory(rendered, sender=list_settings.sender, view_url=view, signer=signer).build(READER)


def messages() -> dict[str, bytes]:
    demo, daily = demo_digest()
    key = DkimKey("example.org", "digest2026", generate_private_key())
    _, confirmation = confirmation_message(
        sender=LIST.sender,
        to=READER.email,
        list_title=LIST.title,
        confirm_url=f"{BASE}/confirm?token=WyJkYWlseSJd.pMiV8UqbMXp5rOzGSCt1lg",
        hours=48,
    )
    return {
        "demo": digest_message(demo, daily),
        "one-story": digest_message(stories(1)),
        "30-stories": digest_message(stories(30)),
        "12-stories-images": digest_message(stories(12, images=True)),
        "cyrillic": digest_message(stories(5, language="ru")),
        "chinese": digest_message(stories(5, language="zh")),
        "arabic": digest_message(stories(5, language="ar")),
        "dkim-signed": digest_message(stories(5), signer=DkimSigner([key])),
        "confirmation": confirmation,
    }


def score(message: bytes, home: Path) -> tuple[float, list[tuple[str, float]]]:
    prefs = home / "user_prefs"
    prefs.write_text("use_bayes 0\n")
    result = subprocess.run(
        ["spamassassin", "--local", "-p", str(prefs), "--cf", "add_header all Tests _TESTSSCORES(,)_"],
        input=message,
        capture_output=True,
        env={**os.environ, "HOME": str(home)},
        check=True,
    )
    checked = email.message_from_bytes(result.stdout, policy=email.policy.compat32)
    status = " ".join(str(checked["X-Spam-Status"]).split())
    tests = " ".join(str(checked["X-Spam-Tests"]).split()).replace(" ", "")
    rules = [(n, float(p)) for n, _, p in (t.partition("=") for t in tests.split(",")) if n and n != "none"]
    return float(status.split("score=", 1)[1].split()[0]), sorted(rules, key=lambda r: (-r[1], r[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="write the messages to this folder")
    args = parser.parse_args()
    if shutil.which("spamassassin") is None:
        sys.exit("spamassassin is not installed (Debian: apt-get install spamassassin)")
    built = messages()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name, data in built.items():
            (args.keep / f"{name}.eml").write_bytes(data)
    print(f"{'message':<18} {'score':>5}  rules (points)")
    with tempfile.TemporaryDirectory() as home:
        for name, data in built.items():
            total, rules = score(data, Path(home))
            fired = ", ".join(f"{n} ({p:g})" for n, p in rules)
            print(f"{name:<18} {total:>5.1f}  {fired}")


if __name__ == "__main__":
    main()
