"""The message that asks a new reader to confirm a subscription (double opt-in).

Pure: text in, bytes out. Of what was typed into the form only the address is in it, as
the address rule gives it; the rest is the list's sender and title and a fixed subject,
so nothing typed into the form can add a header or a line of text. multipart/alternative,
text then HTML, UTF-8, quoted-printable, CRLF.
"""

from __future__ import annotations

import functools
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import make_msgid

import jinja2

from digest.config import TEMPLATES_DIR
from digest.mail.message import header_date, unstructured
from digest.mail.render import clean, wrap
from digest.subscribers import mailbox_parts


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / "web" / "email")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["wrap"] = wrap
    return environment


def confirmation_message(
    *, sender: str, to: str, list_title: str, confirm_url: str, hours: int, envelope_from: str = ""
) -> tuple[str, bytes]:
    """(the envelope sender, the whole message) asking `to` to open `confirm_url`. The
    envelope sender is `envelope_from` (the bounce address), else the sender's address.
    Nothing in it comes from the form but the address: not even the name typed there."""
    title = clean(list_title)
    context = {
        "greeting": "Hello,",
        "email": to,
        "list_title": title,
        "confirm_url": confirm_url,
        "hours": hours,
    }
    environment = _environment()
    text = environment.get_template("confirm.txt.j2").render(context)
    html = environment.get_template("confirm.html.j2").render(context)
    sender_name, sender_address = mailbox_parts(clean(sender)) or ("", "")
    envelope_from = envelope_from or sender_address
    message = EmailMessage(policy=SMTP if to.isascii() else SMTPUTF8)
    # An Address, not the setting's text: a name with a comma is then quoted, not a second mailbox.
    message["From"] = Address(sender_name, addr_spec=sender_address)
    message["Date"] = header_date(int(time.time()))
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    # Written by hand: the email package would decode a title or an address that looks like
    # an RFC 2047 encoded word ("=?utf-8?q?=0D=0ABcc:...?=") and write what it stands for,
    # or refuse the address. The address is one the address rule has let in.
    subject = unstructured(f"Confirm your subscription to {title}", header="Subject")
    head = f"Subject: {subject}\r\nTo: {to}\r\n".encode()
    return envelope_from, head + message.as_bytes()
