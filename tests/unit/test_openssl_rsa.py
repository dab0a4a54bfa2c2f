"""RSA signatures through the system's OpenSSL (digest.mail.openssl): the same bytes as
`cryptography` makes, made with the GIL let go, and a fallback where libcrypto is missing."""

from __future__ import annotations

import ctypes

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from digest.mail import openssl
from digest.mail.dkim import DkimKey, generate_private_key

needs_libcrypto = pytest.mark.skipif(openssl._library() is None, reason="no libcrypto 1.1.1 or newer here")


@needs_libcrypto
@pytest.mark.parametrize("bits", [1024, 2048, 3072])
def test_the_signature_is_the_one_cryptography_makes(bits):
    key = generate_private_key(bits=bits)
    sign = openssl.gil_free_rsa(key)
    assert sign is not None
    for data in (b"", b"x", bytes(range(256)) * 40):
        signature = sign(data)
        assert signature == key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        key.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


@needs_libcrypto
def test_only_the_signature_itself_lets_the_gil_go():
    """The long call (the signature) is made without the GIL, so signing threads run on
    every core; the short calls around it keep it, so a signing thread takes the GIL back
    once a signature, not once a call."""
    loaded = openssl._library()
    assert loaded is not None
    lib, digest_sign = loaded
    assert not digest_sign._flags_ & ctypes._FUNCFLAG_PYTHONAPI
    for name in ("EVP_MD_CTX_new", "EVP_DigestSignInit", "EVP_MD_CTX_free"):
        assert getattr(lib, name)._flags_ & ctypes._FUNCFLAG_PYTHONAPI


def test_without_libcrypto_keys_sign_through_cryptography(monkeypatch):
    key = generate_private_key()
    monkeypatch.setattr(openssl, "_library", lambda: None)
    assert openssl.gil_free_rsa(key) is None
    data = b"from:Digest <news@example.org>\r\n"
    assert DkimKey("example.org", "s1", key).sign(data) == key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def test_an_unusable_library_is_passed_over(monkeypatch):
    monkeypatch.setattr(openssl, "_LIBRARY_NAMES", ("libno-such-crypto.so.9",))
    monkeypatch.setattr(openssl.ctypes.util, "find_library", lambda name: "libno-such-crypto.so.8")
    assert openssl._load() is None
