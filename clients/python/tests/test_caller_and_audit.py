"""Who a client acts as and where the web UI is (GetCaller's ui_url, FLOWGATE_UI_URL of this process
overriding it), and the audit trail: a resume from this client is recorded with its principal and the
channel "python", and the chain is intact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import Server
from flow_side import NAME_SCHEMA, Flow
from flowgate import AsyncClient, Client, StateType


@pytest.fixture
def client(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.delenv("FLOWGATE_UI_URL", raising=False)
    with Client(server.address, api_key=server.api_key) as c:
        yield c


def test_get_caller_names_the_principal_and_the_ui_the_server_serves(client: Client) -> None:
    caller = client.get_caller()
    assert caller.name == "admin" and caller.key_id and "admin" in caller.scopes
    assert caller.ui_url.startswith("http") and not caller.ui_url.endswith("/")
    assert client.ui_url() == caller.ui_url
    assert client.run_url("run 1") == f"{caller.ui_url}/runs/run%201"


def test_flowgate_ui_url_of_this_process_overrides_the_servers(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWGATE_UI_URL", "https://flowgate.example.com/ui/")
    with Client(server.address, api_key=server.api_key) as c:
        assert c.ui_url() == "https://flowgate.example.com/ui"
        assert c.run_url("r") == "https://flowgate.example.com/ui/runs/r"


def test_a_resume_from_python_is_in_the_audit_trail(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)
    client.resume_flow_run(run_id, {"name": "Marvin"}, request_id="py-audit-resume")

    events = client.list_audit_events(flow_run_id=run_id).events
    [resume] = [e for e in events if e.call.endswith("/ResumeFlowRun")]
    assert (resume.principal, resume.channel, resume.request_id) == ("admin", "python", "py-audit-resume")
    assert resume.state_before is not None and resume.state_before.type is StateType.PAUSED
    assert resume.state_after is not None and resume.state_after.type is StateType.RUNNING
    assert resume.input == {"name": "Marvin"}
    assert [e.sequence for e in events] == sorted(e.sequence for e in events)  # oldest first

    verdict = client.verify_audit_chain()
    assert verdict.intact and verdict.checked >= resume.sequence and verdict.problem == ""


@pytest.mark.asyncio
async def test_the_async_client_has_the_same_helpers(
    server: Server, flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOWGATE_UI_URL", raising=False)
    run_id = flow.running_run()
    async with AsyncClient(server.address, api_key=server.api_key) as client:
        caller = await client.get_caller()
        assert await client.run_url(run_id) == f"{caller.ui_url}/runs/{run_id}"
        page = await client.list_audit_events(flow_run_id=run_id)
        assert [e.call for e in page.events] == ["flowgate.v1.RunService/CreateFlowRun"]
        assert (await client.verify_audit_chain()).intact
