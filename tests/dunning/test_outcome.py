"""How a failed invoice reads: our rules' and the API's errors as they are, a bug of ours
as an internal error with its traceback kept beside the record, never in it."""

from __future__ import annotations

from dunning.money import MoneyError
from dunning.outcome import Failure, Outcome, Result, failure, is_internal_error

EXPECTED = (MoneyError,)


def raised(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:  # noqa: BLE001 - the test hands over what it raised
        return caught


def test_an_error_of_our_rules_reads_as_it_is() -> None:
    found = failure(raised(MoneyError('fee: "x" is not an amount')), EXPECTED)
    assert found == Failure('fee: "x" is not an amount')
    assert not is_internal_error(found.error)


def test_any_other_error_is_an_internal_error_with_its_traceback() -> None:
    found = failure(raised(KeyError("contact_id")), EXPECTED)
    assert found.error == (
        "internal error: KeyError: 'contact_id'. This is a bug in dunning; please report it "
        "with the run folder's errors.log."
    )
    assert is_internal_error(found.error)
    assert found.traceback is not None
    assert found.traceback.startswith("Traceback (most recent call last)")
    assert found.traceback.rstrip().endswith("KeyError: 'contact_id'")


def test_an_error_without_a_message_and_one_ending_in_a_full_stop_read_cleanly() -> None:
    assert failure(raised(AssertionError()), EXPECTED).error.startswith(
        "internal error: AssertionError. This is a bug"
    )
    assert failure(raised(ValueError("bad value.")), EXPECTED).error.startswith(
        "internal error: ValueError: bad value. This is a bug"
    )


def test_the_traceback_is_not_part_of_a_results_equality() -> None:
    why = failure(raised(RuntimeError("boom")), EXPECTED)
    with_trace = Result.failed(4, why, reminder_id=9)
    recorded = Result(4, Outcome.FAILED, reminder_id=9, error=why.error)
    assert with_trace == recorded
    assert with_trace.traceback is not None and recorded.traceback is None
    assert "Traceback" not in repr(with_trace)
