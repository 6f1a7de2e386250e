"""A bexio-compatible sandbox server: generated data, bexio's rules, limits and faults.

One implementation of bexio's behaviour for the demo, the tests and the benchmark. See the
README next to this file for its routes, its one extension and its admin routes.
"""

from connectors.sandbox.config import SandboxConfig
from connectors.sandbox.server import SandboxURL, create_app, running_sandbox, serve
from connectors.sandbox.state import SandboxState

__all__ = ["SandboxConfig", "SandboxState", "SandboxURL", "create_app", "running_sandbox", "serve"]
