"""What the end-to-end tests share: where things are, and the started stack as values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from dunning.policy_file import example_policy_path
from tests.e2e.prefect_api import PrefectApi
from tests.e2e.processes import Service

__all__ = [
    "REPO",
    "IMAGES",
    "REFERENCE_DATE",
    "TOKEN",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "QUIET_PREFECT",
    "RUN_MENU",
    "PrefectServer",
    "Company",
]

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "docs" / "images"
REFERENCE_DATE = "2026-11-30"
TOKEN = "e2e-token-do-not-print"
CHROMIUM = "/usr/bin/chromium"
# Explicit, harmless as root, and no background traffic (the machine has no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The run page's ⋮ menu has no label; its icon's class names it (two names across versions).
RUN_MENU = "button:has(svg.lucide-ellipsis-vertical), button:has(svg.lucide-more-vertical)"
QUIET_PREFECT = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


@dataclass
class PrefectServer:
    """A Prefect server with its UI on loopback, its database on PostgreSQL."""

    ui: str
    api: PrefectApi
    env: dict[str, str]
    services: list[Service] = field(default_factory=list)


@dataclass
class Company:
    """A sandbox bexio company, an output folder, and the file server publishing it."""

    url: str
    output: Path
    files_url: str

    def env(self, prefect: PrefectServer) -> dict[str, str]:
        """What a run (or the worker that starts runs) needs to reach bexio and Prefect."""
        return {
            **prefect.env,
            "BEXIO_BASE_URL": self.url,
            "BEXIO_TOKEN": TOKEN,
            "BEXIO_UNPAID_EXTENSION": "true",
            "DUNNING_OUTPUT": str(self.output),
            "DUNNING_FILES_URL": self.files_url,
            # The shipped policy, whatever policy.toml the project folder may hold.
            "DUNNING_POLICY": str(example_policy_path()),
        }

    def get(self, path: str) -> Any:
        response = httpx.get(
            f"{self.url}{path}",
            timeout=10,
            headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
        )
        response.raise_for_status()
        return response.json()

    def reminder_levels(self) -> dict[int, list[int]]:
        """Reminder levels per invoice, as the sandbox holds them."""
        levels: dict[int, list[int]] = {}
        for reminder in sorted(self.get("/_sandbox/reminders"), key=lambda r: r["id"]):
            levels.setdefault(reminder["kb_invoice_id"], []).append(reminder["reminder_level"])
        return levels

    def invoice_status(self, invoice_id: int) -> int:
        return int(self.get(f"/2.0/kb_invoice/{invoice_id}")["kb_item_status_id"])
