"""Prefect flows: the only code in the project that imports prefect.

Each task is a thin wrapper over one `digest` function; only I/O tasks retry.
"""

import warnings

# Prefect warns at import when it cannot make its home folder; the commands that need the
# folder say so in one line (flows.schedule.writable_home), the others do not need it.
warnings.filterwarnings("ignore", message="Failed to create the Prefect home directory", category=UserWarning)
