"""The approval forms' schemas as Prefect's UI and server read them: a field the UI shows
empty has no null default, since the UI would send that null and the server refuses it
as not of the field's type, so no answer would ever be taken."""

from __future__ import annotations

from typing import Any

import jsonschema

from flows.approval import _form_model


def _empty_answer_is_valid(schema: dict[str, Any], answer: dict[str, Any]) -> None:
    jsonschema.validate(answer, schema)  # the check Prefect's server makes on resume


def test_the_forms_answer_as_the_ui_sends_it_with_every_optional_field_at_its_default():
    schema = _form_model(["#1 a", "#2 b"]).model_json_schema()
    # The UI sends each field's default where the approver left it alone.
    answer = {
        name: field["default"] for name, field in schema["properties"].items() if "default" in field
    }
    answer["selected"] = ["#1 a"]
    _empty_answer_is_valid(schema, answer)
    assert "hold_until" not in answer  # left empty: sent as nothing, not as null
