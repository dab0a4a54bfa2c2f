"""Standard streams the commands can always write to, whatever started them.

A C locale without Python's UTF-8 mode (or `PYTHONIOENCODING=ascii`) gives an ASCII-only
stdout: a reader's name or a headline in any other script would end the command with a
UnicodeEncodeError. Such characters are written as JSON's `\\uXXXX` escapes instead, so
text stays readable and `--json` output still parses to the same values. A standard
stream that is closed (`>&-` from a script or a service manager) is opened on /dev/null:
else the first file the command opens would take its number, and a later write to
stdout or stderr (ours, a library's, a child process's) would land in that file.
"""

from __future__ import annotations

import codecs
import os
import sys

ESCAPE = "digest.json-escape"


def _json_escape(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    written = bytearray()
    for char in error.object[error.start : error.end]:
        if 0xDC80 <= ord(char) <= 0xDCFF:  # a byte of a file name that did not decode: as it was
            written.append(ord(char) - 0xDC00)
            continue
        units = char.encode("utf-16-be", "surrogatepass")
        for i in range(0, len(units), 2):
            written += f"\\u{units[i]:02x}{units[i + 1]:02x}".encode("ascii")
    return bytes(written), error.end


codecs.register_error(ESCAPE, _json_escape)


def usable_stdio() -> None:
    """Open closed standard streams on /dev/null; escape what stdout and stderr cannot encode."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115 - lives as long as we do
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "surrogateescape", "backslashreplace") and hasattr(
            stream, "reconfigure"
        ):
            stream.reconfigure(errors=ESCAPE)
