"""One type for a run's parameters: the flow's Prefect parameters are exactly its fields."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields

from flows.dunning_run import dunning_run
from flows.run_params import RunParams


def test_the_flow_takes_exactly_the_fields_of_run_params_with_their_defaults():
    flow_parameters = {
        name: (p.default, p.annotation)
        for name, p in inspect.signature(dunning_run.fn).parameters.items()
    }
    run_params = {
        f.name: (f.default if f.default is not MISSING else inspect.Parameter.empty, f.type)
        for f in fields(RunParams)
    }
    assert flow_parameters == run_params


def test_a_deployment_sets_each_parameter_by_its_documented_name():
    schema = dunning_run.parameters.model_dump()["properties"]
    assert list(schema) == [f.name for f in fields(RunParams)]
    assert RunParams(approval=True).as_flow_parameters()["approval"] is True
