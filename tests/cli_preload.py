"""What the command line's forked runs (tests/cli_process.py) have loaded before they start:
the library, less what must run only inside a command (the schema migrations' scripts,
`python -m` entry points). Prefect is not among it: it reads its settings when imported."""

import importlib
import pkgutil

import digest

for module in pkgutil.walk_packages(digest.__path__, "digest."):
    if not module.name.endswith("__main__") and ".migrations." not in module.name:
        importlib.import_module(module.name)
