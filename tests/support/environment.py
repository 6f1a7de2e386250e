"""The environment of a test process, set before Prefect is imported.

Prefect reads its home and settings at import, so this runs first: at the top of
`tests/conftest.py`, and at the top of the soak script.
"""

from __future__ import annotations

import os
import tempfile


def isolate_prefect(prefix: str = "dunning-prefect-") -> None:
    """Keep this process away from the user's ~/.prefect, and quiet about telemetry."""
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
