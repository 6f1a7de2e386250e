"""The core's own exception base: a value our rules refuse, reported as it is.

An invoice that fails with one of these (or with a connector error) fails for a reason a
person can act on. Anything else raised while handling an invoice is a bug of ours, and
`dunning.outcome.failure` says so.
"""

from __future__ import annotations

__all__ = ["DunningError"]


class DunningError(Exception):
    """A value our rules refuse: an amount, a policy or blocks file, a run id."""
