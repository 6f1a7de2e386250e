"""The sandbox seen from a test: a company (a running sandbox), its settings, look-ups.

`Company.started(...)` is the factory; the fixture `start_company` of `tests/conftest.py`
starts one for a test and points the run's settings at it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from connectors.sandbox import SandboxConfig, running_sandbox

if TYPE_CHECKING:
    from connectors.client import BexioClient
    from dunning.proposal import Decision, Reason

__all__ = [
    "REFERENCE_DATE",
    "REPO",
    "TOKEN",
    "Company",
    "budget_burner",
    "reminders_by_invoice",
    "sandbox_config",
]

# The token has a marker a leak test looks for in everything a run prints and writes.
TOKEN = "tok-sandbox-SECRET-0815"
REFERENCE_DATE = date(2026, 11, 30)
REPO = Path(__file__).resolve().parents[2]  # the project folder


def sandbox_config(**settings: Any) -> SandboxConfig:
    """A sandbox's settings with the tests' reference date and token unless given."""
    return SandboxConfig(
        **{"invoices": 30, "seed": 1, "today": REFERENCE_DATE, "token": TOKEN, **settings}
    )


@dataclass
class Company:
    """A running sandbox with the reminders it held before the run under test.

    `state` is the sandbox's in-memory account (None for a sandbox in another process); a
    sandbox started here has a `SandboxURL` as `url`, which carries the account too.
    """

    url: str
    state: Any
    before: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    tampered: dict[str, Any] = field(default_factory=dict)  # the sandbox's fixed answers
    token: str = TOKEN  # the account's API token
    _client: BexioClient | None = field(default=None, repr=False)

    @classmethod
    @contextlib.contextmanager
    def started(cls, **settings: Any) -> Iterator[Company]:
        """A sandbox in a background thread, `sandbox_config(**settings)`; stopped on exit."""
        with running_sandbox(sandbox_config(**settings)) as url:
            token = settings.get("token", TOKEN)
            company = cls(url, url.state, tampered=url.app.state.faults.tampered, token=token)
            company.remember()
            try:
                yield company
            finally:
                if company._client is not None:
                    company._client.close()

    @property
    def client(self) -> BexioClient:
        """The project's bexio client for this company (short back-off), closed with it."""
        if self._client is None:
            from connectors.client import BexioClient

            self._client = BexioClient(self.url, self.token, backoff=0.01)
        return self._client

    def decisions(self, reason: Reason) -> list[Decision]:
        """What a run with the example policy proposes for this company, of one reason."""
        from dunning.policy_file import example_policy_path, load_policy
        from dunning.rules import propose

        proposal = propose(
            self.client.fetch_open_invoices(),
            load_policy(example_policy_path()),
            (),
            REFERENCE_DATE,
            self.client.rounding(),
        )
        return [d for d in proposal.decisions if d.reason is reason]

    def env(self, output: Path) -> dict[str, str]:
        """The settings of a run against this company, writing into `output`, with the
        example policy (a run has no policy of its own to fall back on)."""
        from dunning.policy_file import example_policy_path

        return {
            "DUNNING_POLICY": str(example_policy_path()),
            "BEXIO_BASE_URL": self.url,
            "BEXIO_TOKEN": self.token,
            "BEXIO_UNPAID_EXTENSION": "true",
            "DUNNING_OUTPUT": str(output),
        }

    def use(self, monkeypatch: Any, tmp_path: Path) -> None:
        """Point a run at this company from `tmp_path` (a test's own working directory)."""
        monkeypatch.chdir(tmp_path)
        for name, value in self.env(tmp_path / "out").items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("DUNNING_BLOCKS", raising=False)

    def admin(self, method: str, path: str, body: object | None = None) -> Any:
        """Call an admin route (`/_sandbox<path>`); its JSON answer."""
        response = httpx.request(
            method,
            f"{self.url}/_sandbox{path}",
            json=body,
            timeout=10,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        response.raise_for_status()
        return response.json()

    def remember(self) -> None:
        """Take note of every reminder now, so a check sees only what a run added."""
        self.before = reminders_by_invoice(self.admin("GET", "/reminders"))

    def levels(self) -> dict[int, list[int]]:
        """Reminder levels per invoice, in the order they were created."""
        if self.state is not None:
            found = self.state.reminders
        else:
            found = reminders_by_invoice(self.admin("GET", "/reminders"))
        return {iid: [r["reminder_level"] for r in rems] for iid, rems in found.items()}

    def status(self, invoice_id: int) -> int:
        """The invoice's status id, from the account (or over HTTP for a sandbox process)."""
        if self.state is not None:
            return int(self.state.invoices[invoice_id]["kb_item_status_id"])
        response = httpx.get(
            f"{self.url}/2.0/kb_invoice/{invoice_id}",
            timeout=10,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        return int(response.json()["kb_item_status_id"])

    def faults(self, fail_rate: float = 0.0, latency_ms: int = 0) -> None:
        self.admin("POST", "/faults", {"fail_rate": fail_rate, "latency_ms": latency_ms})

    def lose_answer(
        self, method: str, path: str, status: int = 500, *, applied: bool = True, times: int = 1
    ) -> None:
        """The route answers `status` for its next `times` requests; with `applied` the
        change happens first, so only the answer is lost."""
        body = f'{{"error_code": {status}, "message": "lost"}}'
        rule = {"method": method, "path": path, "status": status, "body": body}
        self.admin("POST", "/tamper", {**rule, "apply": applied, "times": times})

    def stats(self) -> dict[str, Any]:
        """The sandbox's counters: requests per route and status, what the gate did."""
        stats: dict[str, Any] = self.admin("GET", "/stats")
        return stats


def reminders_by_invoice(reminders: Sequence[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for reminder in reminders:
        found.setdefault(reminder["kb_invoice_id"], []).append(reminder)
    return found


@contextlib.contextmanager
def budget_burner(company: Company, window: int = 1) -> Iterator[None]:
    """Another integration on the same bexio account that spends the whole budget of every
    third rate-limit window in a burst, so the run under test meets 429s it could not see
    coming (its own count of the budget says there is plenty left)."""
    stop, started = threading.Event(), threading.Event()

    def burn() -> None:
        with httpx.Client(
            base_url=company.url,
            headers={"Authorization": f"Bearer {company.token}", "Accept": "application/json"},
        ) as http:
            while not stop.is_set():
                if int(time.time() // window) % 3 == 0:
                    with contextlib.suppress(httpx.HTTPError):  # the sandbox's faults hit it too
                        while http.get("/2.0/language").status_code != 429:
                            pass
                    started.set()
                stop.wait(window - time.time() % window + 0.001)

    thread = threading.Thread(target=burn, daemon=True)
    thread.start()
    started.wait(4 * window)
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
