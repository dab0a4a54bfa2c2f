"""The embedded demo, installed as the package ``digest._seeds`` (see pyproject.toml).

Not code: this file makes the folder a package so that ``importlib.resources`` finds it in a
checkout and in an installed wheel alike; ``digest.config.SEEDS_DIR`` is its path.
"""
