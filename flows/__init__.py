"""Prefect flows: the only code in the project that imports prefect.

Each task is a thin wrapper over one `digest` function; only I/O tasks retry.
"""
