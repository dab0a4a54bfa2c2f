import pytest

from digest.urls import canonical_url, http_url_problem, is_http_url


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


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://[::1", "unbalanced '[' and ']' around an IPv6 address"),
        ("http://[zz]/", "'zz' does not appear to be an IPv4 or IPv6 address"),
        ("http://[::1]x/", "'x' after the host '[::1]'"),
        ("http://127.0.0.1:99999/", "port '99999' is not a number from 1 to 65535"),
        ("http://127.0.0.1:0/", "port '0' is not a number from 1 to 65535"),
        ("http://example.org:+80/", "port '+80' is not a number from 1 to 65535"),
        ("http://%zz/", "the host '%zz' holds a % escape"),
        ("http://a%20b/", "the host 'a%20b' holds a % escape"),
        ("http://a b/", "the host 'a b' holds a space"),
        ("http://a!b.org/", "the host 'a!b.org' holds '!'"),
        ("http://a..b/", "the host 'a..b' is no host name"),
        ("http://a\tb/", "it holds a control character"),
        ("http:///feed", "no host"),
        ("ftp://example.org/", "not an http(s) URL (scheme 'ftp')"),
    ],
)
def test_a_url_no_host_or_port_can_be_read_from_is_named_with_its_cause(url, problem):
    assert http_url_problem(url).startswith(problem)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a b?q=1",
        "HTTP://Example.ORG:8080/x",
        "http://u:p@ss@example.org/",
        "http://exa_mple.org./",
        "http://bücher.example/",
        "http://[::1]:8080/x",
        "http://[fe80::1%25eth0]/",
        "http://127.1/",
    ],
)
def test_urls_a_client_can_fetch_have_no_problem(url):
    assert http_url_problem(url) is None


def test_whether_a_url_is_http_is_told_however_bad_the_rest_is():
    assert is_http_url("http://[::1") and is_http_url(" HTTPS://x") and is_http_url("http://127.0.0.1:99999/")
    assert not is_http_url("/tmp/a.html") and not is_http_url("file:///tmp/a.html")
