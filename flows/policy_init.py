"""`dunning init`: write a commented policy.toml to start from."""

from __future__ import annotations

from pathlib import Path

from dunning.policy_template import policy_template

__all__ = ["PolicyExists", "write_policy"]


class PolicyExists(Exception):
    """The file is there already: `dunning init` never overwrites one."""


def write_policy(path: Path) -> None:
    """Write the commented policy to `path`, which must not exist; raise PolicyExists or
    OSError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # e.g. a folder per company
        with path.open("x", encoding="utf-8") as out:  # "x": never over an existing file
            out.write(policy_template())
    except FileExistsError:
        raise PolicyExists(
            f"{path} exists already; `dunning init` does not overwrite a policy file. Edit "
            "it, or give another file with --output."
        ) from None
