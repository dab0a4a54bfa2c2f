from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from digest.config import DEMO_CONFIG, find_config, load_settings, parse_settings
from digest.errors import ConfigError
from digest.models import SourceKind


def parse(raw, environ=None):
    return parse_settings(raw, base_dir=Path("/cfg"), environ=environ or {})


def test_demo_config_loads_with_a_daily_list():
    settings = load_settings(DEMO_CONFIG)
    assert settings.list("daily").title
    assert {s.kind for s in settings.sources} >= {SourceKind.FEED, SourceKind.PATH}
    for source in settings.sources:
        assert Path(source.location).exists(), source


def test_lookup_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_config(None, environ={}) == DEMO_CONFIG
    (tmp_path / "digest.toml").write_text("")
    assert find_config(None, environ={}) == Path("digest.toml")
    other = tmp_path / "other.toml"
    other.write_text("")
    assert find_config(None, environ={"DIGEST_CONFIG": str(other)}) == other
    assert find_config(other, environ={"DIGEST_CONFIG": "/nope"}) == other
    with pytest.raises(ConfigError, match="config file not found: /nope \\(from DIGEST_CONFIG\\)"):
        find_config(None, environ={"DIGEST_CONFIG": "/nope"})


def _dangling(path):
    path.symlink_to(path.parent / "nowhere.toml")


def _looping(path):
    path.symlink_to(path.parent / "other.toml")
    (path.parent / "other.toml").symlink_to(path)


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (Path.mkdir, "is a directory"),
        (_dangling, "is a broken symbolic link (to {folder}/nowhere.toml)"),
        (_looping, "is a loop of symbolic links"),
    ],
    ids=["folder", "dangling-link", "link-loop"],
)
def test_a_config_file_that_is_there_but_cannot_be_read_is_an_error_not_the_demo(tmp_path, monkeypatch, make, cause):
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "digest.toml")
    cause = cause.format(folder=tmp_path)
    with pytest.raises(ConfigError) as local:
        find_config(None, environ={})
    assert str(local.value) == f"config file digest.toml: {cause}"
    with pytest.raises(ConfigError) as given:
        find_config(tmp_path / "digest.toml", environ={})
    assert str(given.value) == f"config file {tmp_path / 'digest.toml'} (from --config): {cause}"
    with pytest.raises(ConfigError) as named:
        find_config(None, environ={"DIGEST_CONFIG": "digest.toml"})
    assert str(named.value) == f"config file digest.toml (from DIGEST_CONFIG): {cause}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_config_file_without_read_permission_is_an_error_not_the_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text("")
    (tmp_path / "digest.toml").chmod(0)
    with pytest.raises(ConfigError, match=r"^config file digest\.toml: permission denied$"):
        find_config(None, environ={})


def test_environment_overrides_and_coercion():
    settings = parse(
        {"smtp": {"host": "mail.example.org", "port": 25}},
        environ={
            "DIGEST_SMTP_PORT": "587",
            "DIGEST_STORE_URL": "postgresql://x/y",
            "DIGEST_SMTP_SECURITY": "starttls",
            "DIGEST_FETCH_READ_TIMEOUT": "2.5",
            "DIGEST_CONFIG": "ignored",
            "DIGEST_OTHERTOOL_X": "ignored",
        },
    )
    assert settings.smtp.port == 587 and settings.smtp.host == "mail.example.org"
    assert settings.store.url == "postgresql://x/y"
    assert settings.fetch.read_timeout == 2.5


def test_password_is_not_in_repr():
    settings = parse({"smtp": {"password": "hunter2"}})
    assert "hunter2" not in repr(settings)


@pytest.mark.parametrize(
    ("raw", "environ", "message"),
    [
        ({"smtp": {"hots": "x"}}, {}, "smtp.hots: unknown key"),
        ({"dkim": {"key_origin": "x"}}, {}, "dkim.key_origin: unknown key"),
        ({"smtp": {"password": 1234}}, {}, "smtp.password: expected a string, got a number"),
        ({"unsubscribe": {"secret": ["x"]}}, {}, "unsubscribe.secret: expected a string, got a list"),
        ({"smtp": {"username": 1234}}, {}, "smtp.username: expected a string, got 1234"),
        ({}, {"DIGEST_DKIM_KEY_ORIGIN": "x"}, "DIGEST_DKIM_KEY_ORIGIN: unknown key dkim.key_origin"),
        ({}, {"DIGEST_SMTP_PROT": "25"}, "DIGEST_SMTP_PROT: unknown key smtp.prot (did you mean DIGEST_SMTP_PORT?)"),
        (
            {"dkim": {"domian": "x"}},
            {},
            (
                "dkim.domian: unknown key (did you mean 'domain'?); known: domain, selector, key_file, key, "
                "ed25519_selector, ed25519_key_file, ed25519_key"
            ),
        ),
        ({"smtp": {"port": "abc"}}, {}, "smtp.port: expected a whole number, got 'abc'"),
        ({"smtp": {"port": 1.5}}, {}, "smtp.port: expected a whole number"),
        ({"smtp": {"port": -1}}, {}, "smtp.port: must not be negative"),
        ({"lists": {"d": {"unsubscribe_url": "https://e.org/u>,<https://x"}}}, {}, "lists.d.unsubscribe_url: expected"),
        ({"lists": {"d": {"view_url": "https://e.org/" + "v" * 900}}}, {}, "lists.d.view_url: 914 characters"),
        ({"lists": {"d": {"unsubscribe_url": "mailto:u@e.org"}}}, {}, "lists.d.unsubscribe_url: expected an http(s)"),
        ({"delivery": {"soft_bounce_days": 1e12}}, {}, "delivery.soft_bounce_days: must be at most"),
        ({"delivery": {"lease": 1e300}}, {}, "delivery.lease: must be at most 1,000,000,000"),
        ({"lists": {"d": {"timezone": "America"}}}, {}, "lists.d.timezone: unknown time zone 'America'"),
        ({"lists": {"d": {"from": "not an address"}}}, {}, "lists.d.from: no email address in 'not an address'"),
        ({"lists": {"d": {"from": "Daily <dig est@example.org>"}}}, {}, "lists.d.from: no email address"),
        ({"lists": {"d": {"reply_to": "Desk <desk@exämple.org>"}}}, {}, "an internationalised domain goes in its xn--"),
        ({"smtp": {"host": "smtp://u:SeCrEt@mail.example.org"}}, {}, "smtp.host: expected a host name or IP address"),
        ({"smtp": {"host": "mail.example.org:587"}}, {}, "smtp.host: expected a host name or IP address"),
        ({"web": {"confirm_hours": float("nan")}}, {}, "web.confirm_hours: expected a finite number, got nan"),
        ({}, {"DIGEST_WEB_PREFERENCES_DAYS": "inf"}, "web.preferences_days: expected a finite number, got 'inf'"),
        ({}, {"DIGEST_DELIVERY_LEASE": "-Infinity"}, "delivery.lease: expected a finite number"),
        ({"smtp": {"security": "ssl"}}, {}, "smtp.security: expected one of starttls, tls, none"),
        ({"smtp": "x"}, {}, "smtp: expected a table"),
        ({"smpt": {}}, {}, "unknown section [smpt]"),
        ({}, {"DIGEST_SMTP_PORT": "x"}, "smtp.port: expected a whole number, got 'x'"),
        ({}, {"DIGEST_SMTP_HSOT": "x"}, "DIGEST_SMTP_HSOT: unknown key smtp.hsot"),
        ({"sources": {"a": {}}}, {}, "sources.a: needs exactly one of feed, page or path"),
        ({"sources": {"a": {"feed": "x", "page": "https://e.org"}}}, {}, "sources.a: needs exactly one"),
        ({"sources": {"a": {"page": "ftp://e.org"}}}, {}, "sources.a.page: expected an http(s) URL"),
        ({"sources": {"a": {"path": "https://e.org"}}}, {}, "sources.a.path: expected a local file or folder"),
        ({"sources": {"a": {"feed": "https://e.org", "colour": 1}}}, {}, "sources.a.colour: unknown key"),
        ({"lists": {"d": {"sources": ["nope"]}}}, {}, "lists.d.sources: unknown source 'nope'"),
        ({"lists": {"d": {"max_items": "many"}}}, {}, "lists.d.max_items: expected a whole number"),
        ({"lists": {"d": {"frm": "x"}}}, {}, "lists.d.frm: unknown key"),
        (
            {"sources": {"a": {"page": "http://127.0.0.1:99999/"}}},
            {},
            "sources.a.page: http://127.0.0.1:99999/: port '99999' is not a number from 1 to 65535",
        ),
        (
            {"sources": {"a": {"feed": "https://u:SeCrEt@[::1/feed"}}},
            {},
            "sources.a.feed: https://u:***@[::1/feed: unbalanced '[' and ']' around an IPv6 address",
        ),
        ({"sources": {"a": {"feed": "http://%zz/feed"}}}, {}, "sources.a.feed: http://%zz/feed: the host '%zz' holds"),
        ({"lists": {"d": {"view_url": "https://e.org:70000/{issue}"}}}, {}, "lists.d.view_url: 'https://e.org:70000/"),
        ({"web": {"base_url": "https://[::1"}}, {}, "web.base_url: expected an http(s) URL"),
        (
            {"store": {"url": "postgresql://u:p@SeCrEt@127.0.0.1/db"}},
            {},
            "store.url: its password (or user name) holds",
        ),
        ({}, {"DIGEST_STORE_URL": "postgresql://u:p/SeCrEt@127.0.0.1/db"}, "store.url: its password (or user name)"),
        ({"lists": {"d": {"unsubscribe_url": "https://e.org/u"}}}, {}, "lists.d.unsubscribe_url: no {token} in"),
        (
            {"lists": {"d": {"unsubscribe_url": "https://e.org/unsubscribe#{token}"}}},
            {},
            "lists.d.unsubscribe_url: {token} only after the '#' in",
        ),
        ({"web": {"base_url": "https://news.example.org:0"}}, {}, "(port '0' is not a number from 1 to 65535)"),
    ],
)
def test_bad_config_names_the_key(raw, environ, message):
    with pytest.raises(ConfigError) as info:
        parse(raw, environ)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert "SeCrEt" not in str(info.value)


@pytest.mark.parametrize(
    ("raw", "environ", "message"),
    [
        (
            {"smtp": {"port": 25}},
            {"DIGEST_SMTP_PORT": "x"},
            "smtp.port: expected a whole number, got 'x' (from DIGEST_SMTP_PORT)",
        ),
        ({}, {"DIGEST_DELIVERY_BATCH": "0"}, "delivery.batch: must be at least 1, got 0 (from DIGEST_DELIVERY_BATCH)"),
        ({}, {"DIGEST_SMTP_SECURITY": "ssl"}, "(from DIGEST_SMTP_SECURITY)"),
        ({}, {"DIGEST_STORE_URL": "postgresql://u:p@SeCrEt@127.0.0.1/db"}, "(from DIGEST_STORE_URL)"),
        ({}, {"DIGEST_WEB_BASE_URL": "https://[::1"}, "(from DIGEST_WEB_BASE_URL)"),
        ({}, {"DIGEST_FETCH_ALLOW_PRIVATE": "maybe"}, "fetch.allow_private: expected true or false, got 'maybe' (from"),
    ],
)
def test_a_bad_value_from_the_environment_names_its_variable(raw, environ, message):
    """The file may hold a good value for the key: the variable that overrides it is named."""
    with pytest.raises(ConfigError) as info:
        parse(raw, environ)
    assert message in str(info.value)
    assert "SeCrEt" not in str(info.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"lists": {"d": {"title": dt.date(2026, 1, 1)}}}, "lists.d.title: expected a string, got 2026-01-01"),
        ({"smtp": {"port": dt.time(7, 30)}}, "smtp.port: expected a whole number, got 07:30:00"),
        ({"fetch": {"allow_private": dt.datetime(2026, 1, 1, 7)}}, "expected true or false, got 2026-01-01T07:00:00"),
    ],
)
def test_a_toml_date_where_another_kind_goes_is_shown_as_the_file_writes_it(raw, message):
    with pytest.raises(ConfigError) as info:
        parse(raw)
    assert str(info.value).endswith(message)


def test_a_bad_value_from_the_file_names_no_variable():
    with pytest.raises(ConfigError) as info:
        parse({"smtp": {"port": "x"}}, {"DIGEST_SMTP_HOST": "mail.example.org"})
    assert str(info.value) == "smtp.port: expected a whole number, got 'x'"


@pytest.mark.parametrize(
    ("mailto", "message"),
    [
        ("mailto:désinscription@example.org?subject=x", "not ASCII (percent-encode it"),
        ("mailto:u@example.org?subject=" + "x" * 1200, "1229 characters; at most 800"),
        ("https://example.org/u?t={token}", "expected a mailto: link"),
        ("mailto:a@example.org,b@example.org", "expected one address"),
        ("mailto:?subject=unsubscribe", "expected one address"),
        ("mailto:u@example.org> <x", "expected a mailto: link without spaces"),
        ("mailto:unsub@example.org?subject=unsubscribe", "expected the subject 'unsubscribe {token}'"),
    ],
    ids=["not-ascii", "too-long", "not-mailto", "two-addresses", "no-address", "brackets", "no-token"],
)
def test_a_bad_unsubscribe_mailto_names_the_key(mailto, message):
    with pytest.raises(ConfigError) as info:
        parse({"lists": {"d": {"unsubscribe_mailto": mailto}}})
    assert str(info.value).startswith("lists.d.unsubscribe_mailto: ") and message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "mailto",
    [
        "",
        "mailto:unsubscribe@example.org?subject=unsubscribe%20{token}",
        "mailto:d%C3%A9sinscription@example.org?subject=unsubscribe%20{token}",
    ],
)
def test_an_unsubscribe_mailto_with_one_ascii_address_loads(mailto):
    assert parse({"lists": {"d": {"unsubscribe_mailto": mailto}}}).list("d").unsubscribe_mailto == mailto


def test_an_empty_view_url_means_no_link():
    assert parse({"lists": {"d": {"view_url": ""}}}).list("d").view_url == ""


@pytest.mark.parametrize("host", ["mail.example.org", "127.0.0.1", "::1", "[2001:db8::25]", "smtp-relay_1.local"])
def test_smtp_hosts_that_are_hosts_load(host):
    assert parse({"smtp": {"host": host}, "lists": {}}).smtp.host == host


def test_bad_toml_is_reported_with_the_path(tmp_path):
    bad = tmp_path / "digest.toml"
    bad.write_text("[smtp\nhost=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_a_config_with_a_byte_order_mark_loads_and_one_not_in_utf8_names_its_line(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_bytes(b"\xef\xbb\xbf" + '[lists.daily]\ntitle = "Café"\n'.encode())
    assert load_settings(config).list("daily").title == "Café"
    config.write_bytes('[lists.daily]\n\ntitle = "Café"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"digest.toml, line 3: not UTF-8 text"):
        load_settings(config)


def test_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "digest.toml").write_text(
        '[sources.local]\npath = "pages"\n[lists.daily]\nfrom = "D <d@example.org>"\n'
    )
    settings = load_settings(tmp_path / "digest.toml")
    assert settings.source("local").location == str(tmp_path / "pages")
    assert settings.list("daily").sender == "D <d@example.org>"
    assert settings.sources_for("daily") == settings.sources


def test_relative_store_and_maildir_follow_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "digest.toml").write_text('[store]\nurl = "sqlite:///data/digest.db"\n[delivery]\nmaildir = "inbox"\n')
    monkeypatch.chdir(tmp_path)
    settings = load_settings(folder / "digest.toml")
    assert settings.store.url == f"sqlite:///{folder / 'data' / 'digest.db'}"
    assert settings.delivery.maildir == str(folder / "inbox")


def test_the_demo_keeps_its_store_and_maildir_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(DEMO_CONFIG)
    assert settings.store.url == f"sqlite:///{tmp_path / 'digest.db'}"
    assert settings.delivery.maildir == str(tmp_path / "mail")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////abs/digest.db",
        "sqlite:///file:shared?mode=memory&uri=true",
        "postgresql+psycopg://user@db/digest",
    ],
)
def test_urls_that_are_not_relative_files_are_kept(url):
    assert parse({"store": {"url": url}}).store.url == url


# "\udce9t\udce9": a name in Latin-1 bytes ("été"), which no UTF-8 locale decodes.
@pytest.mark.parametrize("folder", ["news?a", "pct%41", "with space", "é#x", "user@host:1", "\udce9t\udce9"])
def test_a_relative_store_stays_in_its_config_folder_whatever_the_folder_is_called(tmp_path, folder):
    import sqlalchemy as sa

    home = tmp_path / folder
    home.mkdir()
    (home / "digest.toml").write_text('[store]\nurl = "sqlite:///digest.db"\n')
    url = load_settings(home / "digest.toml").store.url
    assert sa.engine.make_url(url).database == str(home / "digest.db")


def test_a_relative_sqlite_url_keeps_its_query_and_driver():
    url = parse({"store": {"url": "sqlite+pysqlite:///d.db?timeout=5"}}).store.url
    assert url == "sqlite+pysqlite:////cfg/d.db?timeout=5"


def test_paths_from_the_environment_follow_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = parse({}, environ={"DIGEST_STORE_URL": "sqlite:///env.db", "DIGEST_DELIVERY_MAILDIR": "box"})
    assert settings.store.url == f"sqlite:///{tmp_path / 'env.db'}"
    assert settings.delivery.maildir == str(tmp_path / "box")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"sources": {"news": {"fead": "f.xml"}}}, r"sources\.news\.fead: unknown key \(did you mean 'feed'\?\)"),
        ({"sources": {"news": {"feed": "f.xml", "titel": "x"}}}, r"sources\.news\.titel: .*did you mean 'title'"),
        ({"smtp": {"hots": "x"}}, r"smtp\.hots: unknown key \(did you mean 'host'\?\)"),
        ({"smpt": {}}, r"unknown section \[smpt\] \(did you mean 'smtp'\?\)"),
        ({"lists": {"daily": {"form": "a@b.c"}}}, r"lists\.daily\.form: unknown key \(did you mean 'from'\?\)"),
    ],
)
def test_a_misspelled_key_is_named_with_a_suggestion(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse(raw)


def test_list_schedule_and_timezone():
    chosen = parse({"lists": {"daily": {"schedule": "0 7 * * 1-5", "timezone": "Europe/London"}}}).list("daily")
    assert (chosen.schedule, chosen.timezone) == ("0 7 * * 1-5", "Europe/London")
    assert parse({"lists": {"daily": {}}}).list("daily").schedule == ""
    with pytest.raises(ConfigError, match=r"lists\.daily\.schedule: not a cron expression .*'0 7 \* \*'"):
        parse({"lists": {"daily": {"schedule": "0 7 * *"}}})


@pytest.mark.parametrize(
    "schedule", ["0 0 7 * * *", "0 7 LW * *", "0 7 * * 5L", "0 7 * * 1#2", "0 7 15W * *", "0 7 ? * 1"]
)
def test_cron_forms_the_scheduler_reads_otherwise_are_refused(schedule):
    with pytest.raises(ConfigError, match=r"lists\.daily\.schedule: not a cron expression of five fields"):
        parse({"lists": {"daily": {"schedule": schedule}}})


@pytest.mark.parametrize("schedule", ["0 7 * * MON-FRI", "30 6 1 JUL *", "*/15 * * * WED", "0 7 1,15 * *"])
def test_common_cron_forms_with_names_are_accepted(schedule):
    assert parse({"lists": {"daily": {"schedule": schedule}}}).list("daily").schedule == schedule
    with pytest.raises(ConfigError, match=r"lists\.daily\.timezone: unknown time zone 'Mars/Olympus'"):
        parse({"lists": {"daily": {"timezone": "Mars/Olympus"}}})


def test_a_lists_sources_come_in_its_own_order():
    settings = parse(
        {
            "sources": {"alpha": {"feed": "a.xml"}, "beta": {"feed": "b.xml"}, "gamma": {"feed": "c.xml"}},
            "lists": {"daily": {"from": "D <d@example.org>", "sources": ["gamma", "alpha"]}},
        }
    )
    assert [s.name for s in settings.sources_for("daily")] == ["gamma", "alpha"]


def test_an_empty_store_url_is_named_with_where_it_came_from():
    with pytest.raises(ConfigError, match=r"^store.url is empty: "):
        parse({"store": {"url": " "}})
    with pytest.raises(ConfigError, match=r"^DIGEST_STORE_URL is empty: "):
        parse({"store": {"url": "sqlite:///digest.db"}}, {"DIGEST_STORE_URL": ""})


def test_an_empty_digest_config_never_runs_the_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^DIGEST_CONFIG is empty: "):
        find_config(environ={"DIGEST_CONFIG": ""})
    assert find_config(environ={}) == DEMO_CONFIG  # unset: the demo, as documented
