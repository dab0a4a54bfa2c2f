import pytest

from digest.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.ORG:443/a/b?utm_source=x&b=2&a=1#frag", "https://example.org/a/b?a=1&b=2"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/x?fbclid=1&gclid=2&mc_cid=3", "http://example.org:8080/x"),
        ("file:///tmp/a.html#x", "file:///tmp/a.html"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected
