"""The wheel works: `pip install .` and then `digest run` from an empty folder sends the demo.

The wheel is built from a copy of the working tree and installed into a fresh virtualenv
without pip. Its dependencies come from this project's virtualenv through a plain path line
in a .pth file: a path line adds the folder to sys.path but runs none of the .pth files in
it, so the editable install's import finder (`__editable__...pth`) never loads and cannot
serve `digest` from the checkout. An audit hook loaded in every Python process of the new
virtualenv records each file or folder of the checkout that is opened or listed, and each
module imported from it (the checkout's own .venv, which holds the dependencies, excepted).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO_MESSAGES = 12  # one per subscriber in seeds/subscribers.csv, as `digest run` sends in a fresh folder

# Top-level entries of the checkout the build does not need (and that may be large or busy).
_NOT_COPIED = {
    ".git",
    ".venv",
    "build",
    "dist",
    ".hypothesis",
    ".pytest_cache",
    "tests",
    "bench",
    "docs",
    ".ci",
    "mail",
}

_AUDIT = '''\
"""Records what a process reads from the checkout (test_wheel.py); loaded by _digest_wheel_audit.pth."""
import atexit, os, sys

_LOG = os.environ.get("WHEEL_AUDIT_LOG")
_REPO = {repo!r}
_DEPENDENCIES = {dependencies!r}


def _inside_checkout(path):
    path = os.path.abspath(os.fsdecode(path))
    return (path == _REPO or path.startswith(_REPO + os.sep)) and not path.startswith(_DEPENDENCIES + os.sep)


def _note(line):
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\\n").encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        if _inside_checkout(args[0]):
            _note(f"{{event}} {{os.fsdecode(args[0])}}")


def _modules():
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None)
        for path in [where] if where else list(getattr(module, "__path__", None) or ()):
            if path and _inside_checkout(path):
                _note(f"module {{name}} {{path}}")


if _LOG:
    sys.addaudithook(_hook)
    atexit.register(_modules)
'''

_PROBE = """\
import json, sys
import digest, digest.config, digest.mail.render, flows
from digest.config import DEMO_CONFIG, SEEDS_DIR, TEMPLATES_DIR, load_settings
settings = load_settings(None, environ={})
open(sys.argv[1], "rb").close()  # the audit hook's control: a file of the checkout
print(json.dumps({
    "digest": list(digest.__path__), "config": digest.config.__file__, "render": digest.mail.render.__file__,
    "flows": flows.__file__, "templates": str(TEMPLATES_DIR), "render_templates": str(digest.mail.render.TEMPLATES_DIR),
    "seeds": str(SEEDS_DIR), "demo": str(DEMO_CONFIG), "settings": str(settings.path),
    "sources": [s.location for s in settings.sources], "subscribers": [x.subscribers for x in settings.lists],
}))
"""


def _inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def _run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _copy_source(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    target.mkdir()
    for entry in REPO.iterdir():
        if entry.name in _NOT_COPIED or entry.name.endswith((".egg-info", ".db")):
            continue
        if (entry / "pyvenv.cfg").is_file():  # a virtual environment of any name
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name, ignore=ignore)
        else:
            shutil.copy2(entry, target / entry.name)


def _checkout_files(folder: str, *, code: bool) -> set[str]:
    """Files under a top-level folder of the checkout, as the wheel should hold them."""
    root = REPO / folder
    files = set()
    for path in root.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if code and path.suffix not in (".py", ".typed", ".mako"):
            continue
        files.add(path.relative_to(root).as_posix())
    return files


def test_checkout_uses_its_own_folders():
    """In a checkout (the editable install) templates and seeds are the top-level folders,
    so a template edited in place is what the next render and the preview server use."""
    from digest.config import DEMO_CONFIG, SEEDS_DIR, TEMPLATES_DIR
    from digest.mail import render

    origins = [
        json.loads(d.read_text("direct_url.json") or "{}") for d in importlib.metadata.distributions(name="digest")
    ]
    if not any(o.get("dir_info", {}).get("editable") and o.get("url") == REPO.as_uri() for o in origins):
        pytest.skip("digest is not an editable install of this checkout")
    assert TEMPLATES_DIR == REPO / "templates" == render.TEMPLATES_DIR
    assert SEEDS_DIR == REPO / "seeds"
    assert DEMO_CONFIG == REPO / "seeds" / "digest.toml"


@pytest.mark.slow
def test_installed_wheel_runs_the_demo_from_an_empty_folder(tmp_path):
    # Build, as `pip install .` does, from a copy: the checkout gets no build/ or egg-info.
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    _copy_source(source)
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--wheel-dir",
        wheels,
        source,
    )
    [wheel] = wheels.glob("digest-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package, code in (
        ("templates", "digest/_templates", False),
        ("seeds", "digest/_seeds", False),
        ("digest", "digest", True),
        ("flows", "flows", True),
    ):
        missing = {f"{package}/{name}" for name in _checkout_files(folder, code=code)} - names
        assert not missing, f"not in the wheel (pyproject.toml [tool.setuptools]): {sorted(missing)}"

    # A fresh virtualenv, the wheel installed into it by this pip; the dependencies by a path line.
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip())
    script = venv / "bin" / "digest"
    assert script.read_text().splitlines()[0] == f"#!{python}"  # not this project's interpreter
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "_digest_project_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(dependencies)))
    (site / "_digest_wheel_audit.py").write_text(
        _AUDIT.format(repo=str(REPO), dependencies=str(Path(sys.prefix).resolve()))
    )
    (site / "_digest_wheel_audit.pth").write_text("import _digest_wheel_audit\n")

    workdir = tmp_path / "empty"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "PYTHON"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # Prefect's temporary server may start slowly on a busy machine (its default wait is 20 s).
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    # Where everything comes from, and a control that the audit hook sees reads of the checkout.
    control = tmp_path / "control.log"
    found = json.loads(
        _run(
            python, "-c", _PROBE, REPO / "pyproject.toml", cwd=workdir, env=env | {"WHEEL_AUDIT_LOG": str(control)}
        ).stdout
    )
    assert f"open {REPO / 'pyproject.toml'}" in control.read_text().splitlines()
    paths = [
        *found["digest"],
        found["config"],
        found["render"],
        found["flows"],
        found["templates"],
        found["render_templates"],
        found["seeds"],
        found["demo"],
        found["settings"],
        *found["sources"],
        *found["subscribers"],
    ]
    outside = [p for p in paths if not _inside(p, site)]
    assert not outside, f"not from the installed wheel: {outside}"
    assert Path(found["templates"], "digest.html.j2").is_file()

    # The demo, as a user runs it. The only variable: a free port for the capture server, so a
    # sink already listening on 2525 (another test, another user) does not take the messages.
    audit = tmp_path / "run.log"
    result = subprocess.run(
        [script, "run"],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=240,
        env=env | {"DIGEST_SMTP_PORT": "0", "WHEEL_AUDIT_LOG": str(audit)},
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    captured = [p for box in ("new", "cur") for p in (workdir / "mail" / box).glob("*")]
    assert len(captured) == DEMO_MESSAGES, result.stdout
    assert (workdir / "digest.db").is_file()
    read = audit.read_text().splitlines() if audit.exists() else []
    assert not read, "read from the checkout:\n" + "\n".join(sorted(set(read))[:20])
    written = sorted(p.name for p in (site / "digest" / "_seeds").iterdir())
    assert "digest.db" not in written and "mail" not in written
