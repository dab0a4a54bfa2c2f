"""The email templates, installed as the package ``digest._templates`` (see pyproject.toml).

Not code: this file makes the folder a package so that ``importlib.resources`` finds it in a
checkout and in an installed wheel alike; ``digest.config.TEMPLATES_DIR`` is its path.
"""
