"""Times the pure proposal (`dunning.rules.propose`) on synthetic open invoices.

Run: `python bench/core.py [N]` (default 100000); prints the median seconds of three runs.
`bench/run.py` calls `run(n)` and records the figure under `core` in results.json.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from dunning.blocks import Block
from dunning.model import Invoice, Reminder
from dunning.policy_file import example_policy_path, load_policy
from dunning.rules import propose

REFERENCE_DATE = date(2026, 11, 30)
ROUNDING = {"CHF": Decimal("0.05"), "EUR": Decimal("0.01")}


def synthetic_invoices(n: int, seed: int = 7) -> list[Invoice]:
    """Open invoices with levels 0..4, due dates up to a year back, mostly CHF."""
    rng = random.Random(seed)
    invoices = []
    for invoice_id in range(1, n + 1):
        due = REFERENCE_DATE - timedelta(days=rng.randint(-30, 365))
        level = rng.choice((0, 0, 0, 1, 1, 2, 3, 4))
        reminders = tuple(
            Reminder(
                id=invoice_id * 10 + k,
                invoice_id=invoice_id,
                level=k,
                valid_from=due + timedelta(days=20 * k),
                valid_to=due + timedelta(days=20 * k + 10),
            )
            for k in range(1, level + 1)
        )
        remaining = Decimal(rng.randint(500, 500_000)).scaleb(-2)
        invoices.append(
            Invoice(
                id=invoice_id,
                document_nr=f"RE-{invoice_id:06d}",
                contact_id=rng.randint(1, n // 10 + 1),
                status=rng.choice((8, 8, 16)),
                currency=rng.choice(("CHF", "CHF", "CHF", "EUR")),
                total=remaining,
                remaining=remaining,
                valid_from=due - timedelta(days=30),
                valid_to=due,
                reminders=reminders,
            )
        )
    return invoices


def run(n: int) -> float:
    """Median seconds of three `propose` calls over `n` synthetic invoices (building excluded)."""
    invoices = synthetic_invoices(n)
    policy = load_policy(example_policy_path())
    blocks = [Block("disputed", invoice_id=i) for i in range(1, n, 97)] + [
        Block("payment plan", contact_id=c, until=REFERENCE_DATE) for c in range(1, n // 10, 53)
    ]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        proposal = propose(invoices, policy, blocks, REFERENCE_DATE, ROUNDING)
        times.append(time.perf_counter() - started)
        assert len(proposal.decisions) == n
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"propose over {n} invoices: {run(n):.2f} s (median of 3)")


if __name__ == "__main__":
    main()
