"""Request bodies: read with a size cap, and parsed as a form (urlencoded or
multipart/form-data, the two encodings RFC 8058 allows for a one-click POST).

Only the first value of each field is kept, text fields only, at most MAX_FIELDS.
"""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from digest.errors import DigestError

MAX_FIELDS = 20


class BodyTooLarge(DigestError):
    """A request body over the cap for its route."""


class BadForm(DigestError, ValueError):
    """A body that is not a form we can read (an unknown encoding, bytes that are not UTF-8)."""


async def read_body(request: Request, *, limit: int) -> bytes:
    """The body, or BodyTooLarge as soon as it (or its Content-Length) goes over `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the request body is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"the request body is over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise BadForm("the client went away before the end of the request body") from None
    return b"".join(chunks)


async def read_form(request: Request, *, limit: int) -> dict[str, str]:
    body = await read_body(request, limit=limit)
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind in ("", "application/x-www-form-urlencoded"):
        return _urlencoded(body)
    if kind == "multipart/form-data":
        return _multipart(request.headers["content-type"], body)
    raise BadForm(f"a form is sent as application/x-www-form-urlencoded or multipart/form-data, not {kind[:60]!r}")


def _urlencoded(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("ascii")  # a urlencoded body is ASCII; its UTF-8 is %-escaped
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadForm("the form is not urlencoded UTF-8 text, or has too many fields") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BadForm("the multipart form has no parts")
    fields: dict[str, str] = {}
    parts: list[Message] = list(message.iter_parts()) if hasattr(message, "iter_parts") else []
    if len(parts) > MAX_FIELDS:
        raise BadForm("the form has too many fields")
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        try:
            value = payload.decode("utf-8") if isinstance(payload, bytes) else ""
        except UnicodeDecodeError:
            raise BadForm("a form field is not UTF-8 text") from None
        fields.setdefault(name, value)
    return fields
