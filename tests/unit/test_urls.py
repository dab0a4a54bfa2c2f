import pytest

from digest.urls import canonical_url, hide_password, http_url_problem, is_http_url, redact_url, store_url_problem


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


@pytest.mark.parametrize(
    ("url", "odd"),
    [
        ("postgresql://u:p@SeCrEt@127.0.0.1:1/db", "'@'"),
        ("postgresql://u:p/SeCrEt@127.0.0.1/db", "'/'"),
        ("postgresql+psycopg://u:p?Se#CrEt@127.0.0.1/db", "'?'"),
        ("mysql://u:p#SeCrEt@127.0.0.1/db", "'#'"),
    ],
)
def test_a_store_url_whose_driver_and_parsers_split_the_password_apart_is_named(url, odd):
    problem = store_url_problem(url)
    assert problem is not None and f"unescaped {odd}" in problem and "percent-encode" in problem
    assert "SeCrEt" not in problem


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p%40SeCrEt@127.0.0.1:5432/db",
        "postgresql://us@er:pw@127.0.0.1/db",  # SQLAlchemy and urlsplit both end the user at the last @
        "postgresql://u@127.0.0.1/db?host=/var/run/postgresql",
        "postgresql:///db?host=/tmp&user=x",
        "sqlite:////srv/a@b/digest.db",
        "sqlite://",
    ],
)
def test_store_urls_read_alike_have_no_problem(url):
    assert store_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:p@SeCrEt@127.0.0.1:1/db", "postgresql://u:***@127.0.0.1:1/db"),
        ("postgresql://u:12/SeCrEt@127.0.0.1/db?password=x", "postgresql://u:***@127.0.0.1/db?password=***"),
        ("postgresql://u:p#Se?CrEt@127.0.0.1/db", "postgresql://u:***@127.0.0.1/db"),
        ("https://example.org:8080/@someone/feed", "https://example.org:8080/@someone/feed"),
        # No host: the driver's (libpq's) host and password are parameters; the URL keeps its //.
        (
            "postgresql+psycopg:///digest?host=127.0.0.1&port=5999&password=SeCrEt",
            "postgresql+psycopg:///digest?host=127.0.0.1&port=5999&password=***",
        ),
        ("sqlite:////srv/digest.db?key=SeCrEt", "sqlite:////srv/digest.db?key=***"),
    ],
)
def test_no_part_of_a_password_is_shown_however_a_parser_ends_it(url, shown):
    assert redact_url(url) == shown


def test_a_drivers_message_loses_the_password_as_written_and_decoded():
    url = "postgresql://digest:Se%40CrEt@127.0.0.1:1/db"
    message = "FATAL: password 'Se@CrEt' (Se%40CrEt) refused for digest at 127.0.0.1"
    assert hide_password(message, url) == "FATAL: password '***' (***) refused for digest at 127.0.0.1"
    assert hide_password("failed to resolve host 'x'", "sqlite:////tmp/x.db") == "failed to resolve host 'x'"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://xn--/a", "the host 'xn--' is no internationalised host name (Malformed A-label"),
        ("http://xn--zz-zzzzz/", "the host 'xn--zz-zzzzz' is no internationalised host name (Codepoint U+2A1C"),
        ("http://news.XN--/", "the host 'news.XN--' is no internationalised host name"),
        ("http://bü_cher.example/", "the host 'bü_cher.example' is no internationalised host name"),
        ("http://1.2.3.4.5/", "the host '1.2.3.4.5' is no IPv4 address, and no host name ends in a number"),
        ("http://a.b.123/", "the host 'a.b.123' is no IPv4 address"),
    ],
)
def test_a_host_the_http_client_cannot_read_as_a_name_is_named(url, problem):
    assert http_url_problem(url).startswith(problem)


@pytest.mark.parametrize("url", ["http://xn--bcher-kva.example/", "http://Bücher.example/", "http://0x7f.1/"])
def test_internationalised_and_numeric_hosts_a_client_reads_have_no_problem(url):
    assert http_url_problem(url) is None
