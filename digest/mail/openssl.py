"""RSA signatures made by the system's OpenSSL without holding the GIL.

`cryptography` keeps the GIL while it signs, so signing threads take turns with each
other and with the event loop: an RSA-2048 signature (about 0.9 ms) is time in which
no other Python runs. The same OpenSSL call made through ctypes lets the GIL go, so
each signing thread has a core. The signatures are identical (PKCS#1 v1.5 is
deterministic); where no usable libcrypto is found, `gil_free_rsa` returns None and
the caller signs through `cryptography`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
import weakref
from collections.abc import Callable
from typing import Any

# OpenSSL 1.1.1 and 3.x, under the names each platform gives them.
_LIBRARY_NAMES = ("libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.3.dylib", "libcrypto.1.1.dylib")
_MIN_VERSION = 0x1010100F  # 1.1.1, the first with the one-shot EVP_DigestSign


def _load() -> tuple[Any, Any] | None:
    names = list(_LIBRARY_NAMES)
    # Only where it names a real OpenSSL: macOS's unversioned libcrypto.dylib aborts the
    # process that loads it.
    found = ctypes.util.find_library("crypto") if sys.platform.startswith("linux") else None
    if found:
        names.insert(0, found)
    for name in names:
        try:
            # The signature itself through a CDLL, whose calls let the GIL go; the short
            # calls around it through a PyDLL, whose calls keep it: each time the GIL is let
            # go, taking it back may wait for a busy event loop's switch interval.
            lib, slow = ctypes.PyDLL(name), ctypes.CDLL(name)
            lib.OpenSSL_version_num.restype = ctypes.c_ulong
            if lib.OpenSSL_version_num() < _MIN_VERSION:
                continue
            _declare(lib)
            _declare(slow)
        except (OSError, AttributeError):
            continue
        return lib, slow.EVP_DigestSign
    return None


def _declare(lib: Any) -> None:
    p, size, cint = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    for name, restype, argtypes in (
        ("d2i_AutoPrivateKey", p, [ctypes.POINTER(p), ctypes.POINTER(ctypes.c_char_p), ctypes.c_long]),
        ("EVP_PKEY_free", None, [p]),
        ("EVP_MD_CTX_new", p, []),
        ("EVP_MD_CTX_free", None, [p]),
        ("EVP_sha256", p, []),
        ("EVP_DigestSignInit", cint, [p, p, p, p, p]),
        ("EVP_DigestSign", cint, [p, ctypes.c_char_p, ctypes.POINTER(size), ctypes.c_char_p, size]),
        ("ERR_clear_error", None, []),
    ):
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


@functools.cache
def _library() -> tuple[Any, Any] | None:
    """(libcrypto with the GIL kept, its EVP_DigestSign with the GIL let go), looked up once."""
    return _load()


class _RsaKey:
    """An RSA private key held by libcrypto, signing with rsa-sha256 (PKCS#1 v1.5)."""

    def __init__(self, lib: Any, digest_sign: Any, pkey: int, size: int) -> None:
        self._lib = lib
        self._digest_sign = digest_sign
        self._pkey = pkey
        self._size = size
        self._md = lib.EVP_sha256()
        weakref.finalize(self, lib.EVP_PKEY_free, pkey)

    def sign(self, data: bytes) -> bytes:
        lib = self._lib
        ctx = lib.EVP_MD_CTX_new()
        if not ctx:
            raise MemoryError("OpenSSL: EVP_MD_CTX_new failed")
        try:
            out = ctypes.create_string_buffer(self._size)
            length = ctypes.c_size_t(self._size)
            if lib.EVP_DigestSignInit(ctx, None, self._md, None, self._pkey) != 1 or (
                self._digest_sign(ctx, out, ctypes.byref(length), data, len(data)) != 1
            ):
                lib.ERR_clear_error()
                raise ValueError("OpenSSL: the RSA signature failed")
            return out.raw[: length.value]
        finally:
            lib.EVP_MD_CTX_free(ctx)


def gil_free_rsa(private_key: Any) -> Callable[[bytes], bytes] | None:
    """`sign(data) -> rsa-sha256 signature` for a `cryptography` RSA private key, made by
    libcrypto with the GIL released; None when no usable libcrypto is loaded."""
    from cryptography.hazmat.primitives import serialization

    loaded = _library()
    if loaded is None:
        return None
    lib, digest_sign = loaded
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cursor = ctypes.c_char_p(der)
    pkey = lib.d2i_AutoPrivateKey(None, ctypes.byref(cursor), len(der))
    if not pkey:
        lib.ERR_clear_error()
        return None
    return _RsaKey(lib, digest_sign, pkey, private_key.key_size // 8).sign
