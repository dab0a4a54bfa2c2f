"""Bad configuration and bad subscriber CSVs, through the CLI as a user runs it: one
clear line naming the problem, exit status 2, never a traceback."""

from __future__ import annotations

import pytest

from tests.faults.conftest import digest_cli

BASE = """
[store]
url = "sqlite:///{db}"

[lists.daily]
title = "The Daily"
from = "The Daily <digest@example.org>"
"""


def run_with(tmp_path, extra: str, *args: str, env: dict | None = None):
    config = tmp_path / "digest.toml"
    config.write_text(extra + BASE.format(db=tmp_path / "digest.db"), encoding="utf-8")
    return digest_cli("--config", str(config), *(args or ("send", "--dry-run")), env=env, timeout=60)


def one_clear_line(result, *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    line = lines[0]
    assert line.startswith("digest: error: ")
    for needle in needles:
        assert needle in line, line
    return line


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        # wrong types
        ('[smtp]\nport = "lots"\n', ["smtp.port", "whole number", "'lots'"]),
        ("[smtp]\nport = 25.5\n", ["smtp.port"]),
        ("[smtp]\nhost = 127\n", ["smtp.host", "string"]),
        ('[smtp]\nsecurity = "ssl"\n', ["smtp.security", "starttls"]),
        ("[delivery]\nbatch = true\n", ["delivery.batch"]),
        ("[delivery]\nrate = -1\n", ["delivery.rate", "negative"]),
        ("[lists.daily.x]\n", ["lists.daily.x"]),
        ("[fetch]\nread_timeout = [1, 2]\n", ["fetch.read_timeout"]),
        ('[sources.a]\nfeed = "f.xml"\nmax_items = "many"\n', ["sources.a.max_items"]),
        ("[sources.a]\nfeed = 5\n", ["sources.a.feed", "string"]),
        ('[sources.a]\npage = "file:///etc/passwd"\n', ["sources.a.page", "http"]),
        ("smtp = 5\n", ["smtp", "table"]),
        # missing keys
        ('[sources.a]\ntitle = "A"\n', ["sources.a", "feed, page or path"]),
        # unknown keys and sections
        ('[smtp]\nhots = "x"\n', ["smtp.hots", "unknown key"]),
        ('[smpt]\nhost = "x"\n', ["[smpt]", "unknown section"]),
        ('[sources.a]\nfeed = "f.xml"\nurl = "y"\n', ["sources.a.url", "unknown key"]),
        # not TOML at all
        ("[smtp\nport = 1\n", ["not valid TOML"]),
        # values that would make a run hang or do nothing at all
        ("[delivery]\nbatch = 0\n", ["delivery.batch", "at least 1"]),
        ("[delivery]\nattempts = 0\n", ["delivery.attempts", "at least 1"]),
        ("[delivery]\nconnections = 0\n", ["delivery.connections", "at least 1"]),
        ("[delivery]\nlease = 0\n", ["delivery.lease", "more than 0"]),
        ("[fetch]\nper_host = 0\n", ["fetch.per_host", "at least 1"]),
        ("[fetch]\nconcurrency = 0\n", ["fetch.concurrency", "at least 1"]),
        ("[fetch]\nread_timeout = 0\n", ["fetch.read_timeout", "more than 0"]),
        ("[smtp]\ntimeout = 0\n", ["smtp.timeout", "more than 0"]),
        ("[smtp]\nport = 70000\n", ["smtp.port", "at most 65535"]),
        ("[summary]\nsentences = 0\n", ["summary.sentences", "at least 1"]),
        ('[sources.a]\nfeed = "f.xml"\nmax_items = 0\n', ["sources.a.max_items", "at least 1"]),
        # a list name goes into List-Id and Message-ID headers
        ('[lists."daily\\r\\nBcc: victim@evil.example"]\nfrom = "a@example.org"\n', ["lists.", "list name"]),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_bad_config_is_one_clear_line(tmp_path, extra, needles):
    one_clear_line(run_with(tmp_path, extra), *needles)


def test_list_max_items_zero_is_refused(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "d.db"}"\n[lists.daily]\nfrom = "a@example.org"\nmax_items = 0\n'
    )
    one_clear_line(digest_cli("--config", str(config), "send", "--dry-run"), "lists.daily.max_items", "at least 1")


@pytest.mark.parametrize(
    ("env", "needles"),
    [
        ({"DIGEST_SMTP_PORT": "lots"}, ["smtp.port", "'lots'"]),
        ({"DIGEST_DELIVERY_BATCH": "0"}, ["delivery.batch"]),
        ({"DIGEST_SMTP_HOTS": "x"}, ["DIGEST_SMTP_HOTS", "unknown key"]),
        ({"DIGEST_CONFIG": "/no/such/digest.toml"}, ["config file not found", "/no/such/digest.toml"]),
        ({"DIGEST_CONFIG": ""}, ["DIGEST_CONFIG is empty"]),
        ({"DIGEST_STORE_URL": ""}, ["DIGEST_STORE_URL is empty"]),
    ],
)
def test_bad_environment_is_one_clear_line(tmp_path, env, needles):
    config = tmp_path / "digest.toml"
    config.write_text(BASE.format(db=tmp_path / "digest.db"))
    args = ("send", "--dry-run") if "DIGEST_CONFIG" in env else ("--config", str(config), "send", "--dry-run")
    one_clear_line(digest_cli(*args, env=env), *needles)


@pytest.mark.parametrize(
    "extra",
    [
        "[smtp]\npassword = 31337424242\n",
        '[smtp]\npassword = ["hunter2-31337"]\n',
        "[unsubscribe]\nsecret = 31337424242\n",
        '[unsubscribe]\nsecret = {k = "hunter2-31337"}\n',
    ],
)
def test_a_mistyped_secret_is_named_but_never_shown(tmp_path, extra):
    line = one_clear_line(run_with(tmp_path, extra))
    assert "31337" not in line and "hunter2" not in line
    assert "smtp.password" in line or "unsubscribe.secret" in line


# ---------------------------------------------------------------- subscriber CSVs


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (b"", ["no 'email' column"]),
        (b"name,city\nAna,Millbrook\n", ["no 'email' column"]),
        (b"email,email\na@example.org,b@example.org\n", ["more than once"]),
        (b"\xff\xfe\x00e\x00m\x00a\x00i\x00l", ["UTF-8"]),
        (b"email\nana@example.org\ncaf\xe9@example.org\n", ["people.csv:3: not UTF-8"]),
        (bytes(range(256)) * 4, ["UTF-8"]),
    ],
    ids=["empty", "no-email-column", "repeated-column", "utf16", "latin1", "binary"],
)
def test_unusable_csv_is_one_clear_line(tmp_path, content, needles):
    people = tmp_path / "people.csv"
    people.write_bytes(content)
    result = run_with(tmp_path, "", "subscribers", "import", str(people))
    one_clear_line(result, str(people), *needles)  # the file named, whatever is wrong with it


def test_bad_rows_are_one_line_each_and_nothing_is_imported(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,city\n"
        "ana@example.org,Ana,Millbrook\n"
        "not-an-address,Bad,Nowhere\n"
        "ben@example.org,Ben\n"
        "ana@EXAMPLE.org,Ana again,Millbrook\n"
        '"unclosed@example.org,Quote,Town\n',
        encoding="utf-8",
    )
    result = run_with(tmp_path, "", "subscribers", "import", str(people))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[1] for line in lines[:-1]] == ["3", "4", "5", "6"]
    assert lines[-1].startswith("digest: error: 4 bad row(s); nothing imported")
    listed = run_with(tmp_path, "", "subscribers", "list")
    assert listed.stdout == ""


@pytest.mark.parametrize("target", ["missing.csv", "."], ids=["missing", "a-directory"])
def test_an_unreadable_csv_path_is_one_clear_line(tmp_path, target):
    path = tmp_path / target
    one_clear_line(run_with(tmp_path, "", "subscribers", "import", str(path)), str(path))


def test_an_error_line_prints_names_as_they_are_and_no_password_of_a_url(tmp_path):
    odd = tmp_path / "x:smile:y.csv"  # rich would print :smile: as an emoji
    one_clear_line(run_with(tmp_path, "", "subscribers", "import", str(odd)), str(odd))
    leaked = run_with(tmp_path, "", "status", env={"DIGEST_STORE_URL": "postgresql://digest:SeCrEt@127.0.0.1:1/digest"})
    line = one_clear_line(leaked, "127.0.0.1")
    assert "SeCrEt" not in line


def test_a_store_password_holding_an_at_sign_is_never_shown_in_part(tmp_path):
    url = "postgresql://digest:p@SeCrEt@127.0.0.1:1/digest"
    line = one_clear_line(run_with(tmp_path, "", "status", env={"DIGEST_STORE_URL": url}), "store.url", "%40")
    assert "SeCrEt" not in line


def test_a_local_config_that_is_a_folder_is_an_error_and_the_demo_never_runs(tmp_path):
    (tmp_path / "digest.toml").mkdir()
    done = digest_cli("status", cwd=tmp_path)
    one_clear_line(done, "config file digest.toml: is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digest.toml"]  # no demo store made


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ("summarize", "--sentences", "0", "x.html"),
            ("--sentences", "greater than or equal to 1", "summarize --help"),
        ),
        (("frobnicate",), ("No such command 'frobnicate'",)),
        (("send", "--bogus"), ("No such option: --bogus", "digest send --help")),
        (("subscribers", "list", "--list"), ("--list", "requires an argument")),
    ],
)
def test_a_mistyped_command_or_option_is_one_clear_line(tmp_path, args, needles):
    result = run_with(tmp_path, "", *args)
    one_clear_line(result, *needles)
    assert result.stdout == ""


def test_a_field_too_long_to_read_does_not_turn_the_rest_of_its_quotes_into_readers(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(
        'email,name\nana@example.org,"' + "x" * 140_000 + '\ninjected@example.org,Injected\ntail"\nbo@example.org,Bo\n'
    )
    result = run_with(tmp_path, "", "subscribers", "import", str(people), "--skip-invalid")
    assert f"{people}:2: unreadable row (field larger than field limit" in result.stderr, result.stderr
    assert "1 added" in result.stdout  # bo, after the broken record's closing quote
    listed = run_with(tmp_path, "", "subscribers", "list")
    assert "injected@example.org" not in listed.stdout and "bo@example.org" in listed.stdout


def test_an_empty_config_option_is_one_clear_line(tmp_path):
    result = digest_cli("--config", " ", "status", cwd=tmp_path, timeout=60)
    line = one_clear_line(result, "--config", "empty")
    assert "directory" not in line
