"""Small, realistic documents for the local HTTP server."""

from __future__ import annotations

from html import escape

LOREM = [
    "The council approved the plan on Tuesday after a debate that lasted most of the evening.",
    "Residents had asked for the change for years, citing traffic on the old bridge and long detours.",
    "Engineers expect construction to begin in the spring and to finish before the end of next year.",
    "The cost will be shared between the town, the county and a regional transport fund.",
    "Opponents said the money would be better spent on repairing roads that already exist.",
    "Supporters answered that the new crossing would shorten journeys for thousands of people every day.",
]


def article_html(title: str, *, author: str = "Dana Reyes", date: str = "2026-11-20", paragraphs: int = 6) -> bytes:
    body = "\n".join(
        f"<p>{escape(LOREM[i % len(LOREM)])} ({escape(title)}, part {i + 1}.)</p>" for i in range(paragraphs)
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | Test Gazette</title>
<meta name="author" content="{escape(author)}">
<meta property="article:published_time" content="{date}T08:00:00Z">
<meta property="og:title" content="{escape(title)}">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>{escape(title)}</h1><p class="byline">By {escape(author)}</p>
{body}
</article>
<aside><h3>Related</h3><ul><li><a href="/a">Another story</a></li><li><a href="/b">More news</a></li></ul></aside>
<footer>Copyright 2026 Test Gazette. All rights reserved.</footer>
</body></html>""".encode()


def rss(items: list[tuple[str, str]], *, full_content: bool = False) -> bytes:
    """items: (title, link)."""
    entries = []
    for title, link in items:
        content = ""
        if full_content:
            paragraphs = "".join(f"<p>{escape(line)}</p>" for line in LOREM * 5)
            content = f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded>"
        entries.append(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
            f"<pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate><description>A short teaser.</description>{content}</item>"
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Test feed</title><link>http://127.0.0.1/</link><description>Tests</description>
{"".join(entries)}
</channel></rss>""".encode()


def atom(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f'<entry><title>{escape(t)}</title><link href="{escape(link)}"/><id>{escape(link)}</id>'
        f"<updated>2026-11-20T08:00:00Z</updated><author><name>Sam Okafor</name></author><summary>Teaser.</summary></entry>"
        for t, link in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom test</title><id>urn:test</id><updated>2026-11-20T08:00:00Z</updated>
{entries}</feed>""".encode()
