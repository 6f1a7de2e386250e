"""A local run's wait for its approver: Prefect's `pause_flow_run`, except that the wait
also ends when the run is cancelled (or otherwise ended) in Prefect. Prefect's own goes on
polling until its timeout, a week for an approval, with nobody left to answer."""

from __future__ import annotations

import time
from typing import Any, cast

from prefect import State
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.exceptions import FlowPauseTimeout
from prefect.input import RunInput, keyset_from_paused_state
from prefect.states import Paused
from prefect.utilities.engine import propose_state_sync

__all__ = ["ApprovalCancelled", "pause_here"]


class ApprovalCancelled(Exception):
    """The run was cancelled (or ended) in Prefect while it waited; nothing is pushed."""


def pause_here(form: type[RunInput], key: str, timeout_s: int, poll_interval: int) -> RunInput:
    """Prefect's `pause_flow_run`, but its wait also ends when the run is cancelled (or
    otherwise ended) in Prefect; Prefect's own goes on polling until the timeout."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        raise RuntimeError("the approval can wait only inside a flow run")
    run_id = context.flow_run.id
    pausing: State[Any] = Paused(timeout_seconds=timeout_s, reschedule=False, pause_key=key)
    keyset = keyset_from_paused_state(pausing)
    pausing.state_details.run_input_keyset = {str(k): v for k, v in keyset.items()}
    with get_client(sync_client=True) as client:
        state = propose_state_sync(client, pausing, flow_run_id=run_id)
        if not state.is_running():  # running: this pause was answered before
            if not state.is_paused():
                raise RuntimeError(f"the run cannot pause for approval: Prefect says {state}")
            form.save(keyset)  # the form the UI shows; the server checks answers against it
            _wait_until_resumed(client, run_id, timeout_s, poll_interval)
    return cast("RunInput", form.load(keyset))


def _wait_until_resumed(client: Any, run_id: Any, timeout_s: int, poll_interval: int) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        time.sleep(max(0.0, min(poll_interval, deadline - time.monotonic())))
        state = client.read_flow_run(run_id).state
        if state is not None and state.is_running():
            return
        if state is not None and not state.is_paused():
            ended = "cancelled" if state.is_cancelling() or state.is_cancelled() else state.name
            raise ApprovalCancelled(
                f"the run was {ended.lower()} in Prefect while it waited for approval; "
                "nothing was pushed."
            )
        if time.monotonic() >= deadline:
            raise FlowPauseTimeout("Flow run was paused and never resumed.")
