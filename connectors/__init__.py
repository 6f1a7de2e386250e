"""Everything HTTP and bexio-shaped: the API client, its errors, schemas and mapping.

The sandbox server (a bexio-compatible fake for demos, tests and benchmarks) lives in
`connectors.sandbox` and is not imported here.
"""

from connectors.client import MAX_PAGE_SIZE, NETWORK_LINK, BexioClient
from connectors.errors import (
    AuthError,
    BadResponseError,
    ConnectorError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RejectedError,
    TransientError,
)

__all__ = [
    "BexioClient",
    "MAX_PAGE_SIZE",
    "NETWORK_LINK",
    "ConnectorError",
    "TransientError",
    "RateLimitedError",
    "PermanentError",
    "AuthError",
    "NotFoundError",
    "RejectedError",
    "BadResponseError",
]
