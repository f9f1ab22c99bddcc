"""C01: `Client(address).resume_flow_run(run_id, {"name": "Marvin"})` resumes a paused run; invalid
input raises an exception carrying the field errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest
from pydantic import BaseModel

from flow_side import NAME_SCHEMA, Flow
from flowgate import (
    Client,
    FailedPrecondition,
    FlowgateError,
    FlowRunNotFound,
    InvalidRunInput,
    NotPausedError,
    StateType,
    TransitionRefusedError,
)


@pytest.fixture
def client(server_address: str, api_key: str) -> Iterator[Client]:
    with Client(server_address, api_key=api_key) as c:
        yield c


def test_c01_resume_flow_run_resumes_a_paused_run_with_input(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)

    paused = client.get_flow_run(run_id)
    assert paused.state_type is StateType.PAUSED
    assert paused.pause is not None and paused.pause.input_schema == NAME_SCHEMA

    resumed = client.resume_flow_run(run_id, {"name": "Marvin"})
    assert resumed.state_type is StateType.RUNNING
    assert resumed.pause is None
    assert client.wait_for_resume(run_id, key="1") == {"name": "Marvin"}


def test_c01_invalid_input_raises_with_field_errors_and_the_run_stays_paused(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)

    with pytest.raises(InvalidRunInput) as caught:
        client.resume_flow_run(run_id, {"name": 42, "age": -1})
    err = caught.value
    assert isinstance(err, FlowgateError)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "INVALID_RUN_INPUT"
    assert {f.field for f in err.field_errors} == {"name", "age"}
    assert all(f.description for f in err.field_errors)

    with pytest.raises(InvalidRunInput) as missing:
        client.resume_flow_run(run_id, {})
    assert [f.field for f in missing.value.field_errors] == ["name"]

    assert client.get_flow_run(run_id).state_type is StateType.PAUSED


def test_c01_resume_accepts_a_pydantic_model(client: Client, flow: Flow) -> None:
    class Person(BaseModel):
        name: str
        age: int

    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)
    client.resume_flow_run(run_id, Person(name="Marvin", age=42))
    assert client.wait_for_resume(run_id, key="1") == {"name": "Marvin", "age": 42}


def test_c01_errors_carry_the_grpc_code_and_the_servers_reason(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    with pytest.raises(FailedPrecondition) as not_paused:
        client.resume_flow_run(run_id, {"name": "Marvin"})
    assert type(not_paused.value) is NotPausedError
    assert not_paused.value.reason == "NOT_PAUSED"
    assert not_paused.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "not paused" in str(not_paused.value)

    with pytest.raises(FlowRunNotFound) as missing:
        client.get_flow_run(str(uuid.uuid4()))
    assert missing.value.reason == "FLOW_RUN_NOT_FOUND"
    assert missing.value.code == grpc.StatusCode.NOT_FOUND


def test_c01_list_cancel_and_suspend(client: Client, flow: Flow) -> None:
    name = "c01-list"
    first, second = flow.running_run(name), flow.running_run(name)
    page = client.list_flow_runs(flow_name=name, state_types=[StateType.RUNNING])
    assert [r.id for r in page.flow_runs] == [second, first]  # newest first
    assert page.next_page_token == ""

    assert client.cancel_flow_run(first).state_type is StateType.CANCELLING
    with pytest.raises(TransitionRefusedError, match="without a deployment"):
        client.suspend_flow_run(second)
