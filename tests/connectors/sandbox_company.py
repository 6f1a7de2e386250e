"""A sandbox company for the push and delivery tests: its decisions, its admin routes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from connectors.client import BexioClient
from connectors.sandbox import SandboxConfig, SandboxURL, running_sandbox
from dunning.policy_file import example_policy_path, load_policy
from dunning.proposal import Decision, Reason
from dunning.rules import propose

REFERENCE_DATE = date(2026, 11, 30)
CONFIG = SandboxConfig(invoices=30, seed=11, today=REFERENCE_DATE)


@dataclass
class Company:
    url: SandboxURL
    client: BexioClient

    def decisions(self, reason: Reason) -> list[Decision]:
        """What a run with the example policy proposes for this company, of one reason."""
        proposal = propose(
            self.client.fetch_open_invoices(),
            load_policy(example_policy_path()),
            (),
            REFERENCE_DATE,
            self.client.rounding(),
        )
        return [d for d in proposal.decisions if d.reason is reason]

    def admin(self, method: str, path: str, body: object | None = None) -> Any:
        response = httpx.request(
            method,
            f"{self.url}/_sandbox{path}",
            json=body,
            headers={"Authorization": f"Bearer {CONFIG.token}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def lose_answer(
        self, method: str, path: str, status: int = 500, *, applied: bool = True, times: int = 1
    ) -> None:
        """The route answers `status` for its next `times` requests; with `applied` the
        change happens first, so only the answer is lost."""
        body = f'{{"error_code": {status}, "message": "lost"}}'
        rule = {"method": method, "path": path, "status": status, "body": body}
        self.admin("POST", "/tamper", {**rule, "apply": applied, "times": times})

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.admin("GET", "/stats")
        return stats


@contextmanager
def company() -> Iterator[Company]:
    with running_sandbox(CONFIG) as url, BexioClient(url, CONFIG.token, backoff=0.01) as client:
        yield Company(url, client)
