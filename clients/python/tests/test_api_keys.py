"""API keys: every call carries the key as ``authorization: Bearer <key>``, found as the SDK and the CLI
find it — ``api_key``, else ``FLOWGATE_API_KEY``, else (loopback servers only) ``.flowgate/admin-key``
of the working directory. Without a key, or with a key lacking the call's scope, the server's refusal
arrives as its typed error with the server's message."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from flow_side import Flow
from flowgate import AsyncClient, Client, PermissionDeniedError, StateType, UnauthenticatedError
from flowgate._auth import resolve_api_key
from flowgate.gen.flowgate.v1 import key_service_pb2 as keys_pb
from flowgate.gen.flowgate.v1 import key_service_pb2_grpc as keys_grpc


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory without a key file, and no FLOWGATE_API_KEY."""
    monkeypatch.delenv("FLOWGATE_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_without_a_key_calls_fail_unauthenticated_with_the_servers_message(server_address: str, nowhere: Path) -> None:
    with Client(server_address) as client, pytest.raises(UnauthenticatedError) as caught:
        client.list_flow_runs(page_size=1)
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.reason == "UNAUTHENTICATED"
    assert "API key" in str(caught.value)  # the server says how to send one; the client keeps it


@pytest.mark.asyncio
async def test_the_async_client_without_a_key_fails_unauthenticated(server_address: str, nowhere: Path) -> None:
    async with AsyncClient(server_address) as client:
        with pytest.raises(UnauthenticatedError):
            await client.list_flow_runs(page_size=1)


def test_an_unknown_key_fails_unauthenticated(server_address: str, nowhere: Path) -> None:
    unknown = "fgk_" + "0" * 32 + "_" + "A" * 43
    with Client(server_address, api_key=unknown) as client, pytest.raises(UnauthenticatedError):
        client.get_flow_run("00000000-0000-0000-0000-000000000000")


def test_the_key_from_flowgate_api_key_is_sent(
    server_address: str, api_key: str, flow: Flow, nowhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = flow.running_run()
    monkeypatch.setenv("FLOWGATE_API_KEY", api_key)
    with Client(server_address) as client:
        assert client.get_flow_run(run_id).state_type is StateType.RUNNING


@pytest.mark.asyncio
async def test_the_key_from_the_local_admin_key_file_is_sent_to_a_loopback_server(
    server_address: str, api_key: str, flow: Flow, nowhere: Path
) -> None:
    run_id = flow.running_run()
    (nowhere / ".flowgate").mkdir()
    (nowhere / ".flowgate" / "admin-key").write_text(f"{api_key}\n", encoding="utf-8")
    with Client(server_address) as client:
        assert client.get_flow_run(run_id).state_type is StateType.RUNNING
    async with AsyncClient(server_address) as aclient:
        assert (await aclient.get_flow_run(run_id)).state_type is StateType.RUNNING


def test_a_key_without_the_scope_fails_permission_denied(server_address: str, api_key: str, flow: Flow) -> None:
    with grpc.insecure_channel(server_address) as channel:
        created = keys_grpc.KeyServiceStub(channel).CreateKey(
            keys_pb.CreateKeyRequest(name="py-reader", scopes=["runs:read"]),
            metadata=(("authorization", f"Bearer {api_key}"),),
        )
    run_id = flow.running_run()
    with Client(server_address, api_key=created.secret) as reader:
        assert reader.get_flow_run(run_id).state_type is StateType.RUNNING
        with pytest.raises(PermissionDeniedError) as caught:
            reader.cancel_flow_run(run_id)
    assert caught.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert caught.value.reason == "PERMISSION_DENIED"


def test_the_option_comes_first_then_the_environment_then_the_file(tmp_path: Path) -> None:
    (tmp_path / ".flowgate").mkdir()
    (tmp_path / ".flowgate" / "admin-key").write_text("from-file\n", encoding="utf-8")
    env = {"FLOWGATE_API_KEY": "from-env"}
    assert resolve_api_key("explicit", "127.0.0.1:50051", env=env, cwd=tmp_path) == "explicit"
    assert resolve_api_key(None, "127.0.0.1:50051", env=env, cwd=tmp_path) == "from-env"
    for loopback in ("127.0.0.1:50051", "127.1.2.3:1", "localhost:50051", "[::1]:50051"):
        assert resolve_api_key(None, loopback, env={}, cwd=tmp_path) == "from-file", loopback


def test_the_local_key_file_is_never_sent_to_another_machine(tmp_path: Path) -> None:
    (tmp_path / ".flowgate").mkdir()
    (tmp_path / ".flowgate" / "admin-key").write_text("from-file\n", encoding="utf-8")
    for remote in ("flowgate.example.com:50051", "10.0.0.5:50051", "[2001:db8::1]:50051", "0.0.0.0:50051"):
        assert resolve_api_key(None, remote, env={}, cwd=tmp_path) is None, remote
    assert resolve_api_key(None, None, env={}, cwd=tmp_path) is None  # a channel of the caller's own
