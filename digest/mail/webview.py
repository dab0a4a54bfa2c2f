"""An issue as a web page: the email's HTML as it was sent, with nobody's personal fields.

The personal markers become neutral values (the greeting says "Hello,"), the footer,
which names the reader's address and carries their links, gives way to the page's
own, and any link left without a target goes. What the page shows is its main landmark,
which a message leaves to the mail client around it. Pure: HTML in, HTML out.
"""

from __future__ import annotations

from lxml import html as lxml_html

from digest.mail.render import substitute
from digest.models import RenderedDigest

_NEUTRAL = {"greeting": "Hello,", "name": "", "email": "", "unsubscribe_url": "", "view_url": ""}


def public_html(rendered: RenderedDigest, *, footer_html: str) -> str:
    """The issue's HTML for anyone to read, `footer_html` (a fragment, already escaped) in
    place of the personal footer."""
    page = substitute(rendered.html, rendered.markers, _NEUTRAL, as_html=True)
    document = lxml_html.document_fromstring(page)
    footers = document.xpath('//td[contains(concat(" ", normalize-space(@class), " "), " footer ")]')
    for footer in footers:
        for child in list(footer):
            footer.remove(child)
        footer.text = None
        for part in lxml_html.fragments_fromstring(footer_html):
            if isinstance(part, str):
                footer.text = (footer.text or "") + part
            else:
                footer.append(part)
    for link in document.xpath("//a[not(@href) or normalize-space(@href)='']"):
        link.drop_tag()
    body = document.body
    main = lxml_html.Element("main")
    main.text, body.text = body.text, None
    main.extend(list(body))
    body.append(main)
    return "<!DOCTYPE html>\n" + lxml_html.tostring(document, encoding="unicode", method="html")
