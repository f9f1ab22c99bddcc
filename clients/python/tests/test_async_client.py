"""The AsyncClient (grpc.aio): C01 and C02 awaited."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from flow_side import NAME_SCHEMA, Flow
from flowgate import AsyncClient, InvalidRunInput, StateType


@pytest.mark.asyncio
async def test_async_c01_resume_and_invalid_input(server_address: str, api_key: str, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)
    async with AsyncClient(server_address, api_key=api_key) as client:
        with pytest.raises(InvalidRunInput) as caught:
            await client.resume_flow_run(run_id, {"name": 42})
        assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert [f.field for f in caught.value.field_errors] == ["name"]

        resumed = await client.resume_flow_run(run_id, {"name": "Marvin"})
        assert resumed.state_type is StateType.RUNNING
        assert (await client.get_flow_run(run_id)).state_type is StateType.RUNNING


@pytest.mark.asyncio
async def test_async_c02_watch_and_wait_for_resume(server_address: str, api_key: str, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)
    async with AsyncClient(server_address, api_key=api_key) as client:
        waiter = asyncio.create_task(client.wait_for_resume(run_id, timeout=60))
        events = client.watch_flow_run(run_id, timeout=60)
        first = await anext(events)
        assert first.initial and first.state_type is StateType.PAUSED
        assert not waiter.done()

        await client.resume_flow_run(run_id, {"name": "Marvin"})
        assert (await anext(events)).state_type is StateType.RUNNING
        assert await asyncio.wait_for(waiter, 30) == {"name": "Marvin"}

        flow.complete(run_id)
        assert [e.state_type async for e in events] == [StateType.COMPLETED]
