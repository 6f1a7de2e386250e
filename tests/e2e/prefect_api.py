"""The few Prefect REST calls the end-to-end tests make, over plain HTTP.

The tests talk to the server as any other client would, and do not import Prefect (its
settings are fixed at import, and the server under test is started after collection).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.e2e.processes import wait_until

__all__ = ["PrefectApi"]


class PrefectApi:
    def __init__(self, api_url: str) -> None:
        self.url = api_url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=20)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str) -> Any:
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def flow_run(self, flow_run_id: str) -> dict[str, Any]:
        return self.get(f"/flow_runs/{flow_run_id}")

    def state(self, flow_run_id: str) -> tuple[str, str]:
        """(type, name), e.g. ("PAUSED", "Suspended") or ("COMPLETED", "Completed")."""
        state = self.flow_run(flow_run_id)["state"]
        return state["type"], state["name"]

    def wait_for_form(self, flow_run_id: str, timeout: float) -> dict[str, Any]:
        """The approval form's JSON schema, once the run waits for it (not before: the
        server refuses a resume until the schema is stored)."""

        def stored() -> dict[str, Any] | None:
            state = self.flow_run(flow_run_id)["state"]
            keys = state["state_details"].get("run_input_keyset")
            if state["type"] != "PAUSED" or not keys:
                return None
            response = self.http.get(f"/flow_runs/{flow_run_id}/input/{keys['schema']}")
            if response.status_code != 200:
                return None
            value = response.json()
            return json.loads(value) if isinstance(value, str) else value

        return wait_until(stored, timeout, f"the approval form of flow run {flow_run_id}")  # type: ignore[return-value]

    def form_description(self, flow_run_id: str) -> str:
        """The text above the approval form (markdown), as the UI shows it."""
        keys = self.flow_run(flow_run_id)["state"]["state_details"]["run_input_keyset"]
        value = self.get(f"/flow_runs/{flow_run_id}/input/{keys['description']}")
        return json.loads(value) if isinstance(value, str) and value.startswith('"') else value

    def resume(self, flow_run_id: str, run_input: dict[str, Any]) -> dict[str, Any]:
        return self.post(f"/flow_runs/{flow_run_id}/resume", {"run_input": run_input})

    def wait_for_final_state(self, flow_run_id: str, timeout: float) -> tuple[str, str]:
        final = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
        wait_until(
            lambda: self.state(flow_run_id)[0] in final,
            timeout,
            f"flow run {flow_run_id} finishing",
        )
        return self.state(flow_run_id)

    def artifact(self, flow_run_id: str, key: str) -> dict[str, Any]:
        """The newest version of the run's artifact with that key."""
        found = self.post(
            "/artifacts/filter",
            {
                "artifacts": {"flow_run_id": {"any_": [flow_run_id]}, "key": {"any_": [key]}},
                "sort": "CREATED_DESC",
                "limit": 1,
            },
        )
        assert found, f"flow run {flow_run_id} has no artifact {key!r}"
        return found[0]
