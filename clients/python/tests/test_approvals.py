"""Approvals (issue 11) from the Python client, against a live server: a pause with an approval policy
records approvals until its quorum is met and the waiter gets the input of the approval that met it,
with every approval; a reject ends the wait with PauseRejected; a resume link's token stands in for an
API key; the approval rules' refusals arrive as their typed errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from conftest import Server
from flow_side import NAME_SCHEMA, Flow
from flowgate import (
    Actor,
    ApprovalPolicy,
    AsyncClient,
    Client,
    NotAnApproverError,
    PauseRejected,
    ResumedInput,
    ResumeLinkInvalidError,
    ResumeLinks,
    ResumeLinkUsedError,
    SelfApprovalError,
    StateType,
    TimeoutPolicy,
)
from flowgate.gen.flowgate.v1 import key_service_pb2 as keys_pb
from flowgate.gen.flowgate.v1 import key_service_pb2_grpc as keys_grpc
from flowgate.gen.flowgate.v1 import run_service_pb2 as pb
from flowgate.gen.flowgate.v1 import run_service_pb2_grpc as pb_grpc
from flowgate.gen.flowgate.v1 import types_pb2


@dataclass(frozen=True)
class People:
    """API keys of approvers: alice and bob by name, carol through the group "finance"."""

    alice: str
    bob: str
    carol: str


@pytest.fixture(scope="module")
def people(server: Server) -> People:
    def key(name: str, groups: list[str]) -> str:
        with grpc.insecure_channel(server.address) as channel:
            res = keys_grpc.KeyServiceStub(channel).CreateKey(
                keys_pb.CreateKeyRequest(name=name, groups=groups, scopes=["runs:read", "runs:resume"]),
                metadata=(("authorization", f"Bearer {server.api_key}"),),
            )
        return str(res.secret)

    return People(alice=key("py-alice", []), bob=key("py-bob", []), carol=key("py-carol", ["py-finance"]))


@pytest.fixture
def admin(server: Server) -> Iterator[Client]:
    """The flow's side: the admin key pauses the runs (so it is their paused_by)."""
    with Client(server.address, api_key=server.api_key) as c:
        yield c


Person = Callable[[str], Client]


@pytest.fixture
def person(server: Server) -> Iterator[Person]:
    """A client acting as the principal of an API key (one per key, closed after the test)."""
    clients: dict[str, Client] = {}

    def client(secret: str) -> Client:
        if secret not in clients:
            clients[secret] = Client(server.address, api_key=secret)
        return clients[secret]

    yield client
    for c in clients.values():
        c.close()


def test_two_approvers_the_first_is_recorded_the_second_resumes_with_its_input(
    admin: Client, person: Person, people: People, flow: Flow
) -> None:
    run_id = flow.running_run()
    paused = admin.pause_flow_run(
        run_id,
        key="approve",
        timeout=600,
        input_schema=NAME_SCHEMA,
        approval=ApprovalPolicy(approvers=["py-alice", "group:py-finance"], required=2),
    )
    assert paused.state_type is StateType.PAUSED and paused.links == [] and not paused.already_fired
    assert paused.pause is not None and paused.pause.approval is not None
    assert list(paused.pause.approval.approvers) == ["py-alice", "group:py-finance"]
    assert paused.pause.approval.required == 2

    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting: Future[ResumedInput] = pool.submit(admin.wait_for_resume, run_id, "approve", 60)

        first = person(people.alice).resume_flow_run(run_id, {"name": "from alice"})
        assert first.resumed is False and first.state_type is StateType.PAUSED
        assert first.pause is not None and [a.by.principal for a in first.pause.approvals] == ["py-alice"]
        again = person(people.alice).resume_flow_run(run_id, {"name": "alice again"})
        assert again.resumed is False  # the same approver twice counts once
        assert again.pause is not None and len(again.pause.approvals) == 1

        with pytest.raises(NotAnApproverError) as refused:
            person(people.bob).resume_flow_run(run_id, {"name": "from bob"})
        assert refused.value.reason == "NOT_AN_APPROVER" and refused.value.code == grpc.StatusCode.PERMISSION_DENIED

        second = person(people.carol).resume_flow_run(run_id, {"name": "from carol"})
        assert second.resumed is True and second.state_type is StateType.RUNNING

        got = waiting.result(timeout=60)
    assert got == {"name": "from carol"}
    assert [(a.by.principal, a.input) for a in got.approvals] == [
        ("py-alice", {"name": "from alice"}),
        ("py-carol", {"name": "from carol"}),
    ]
    assert got.key == "approve"


def test_the_principal_that_paused_cannot_approve_unless_the_policy_allows_it(
    admin: Client, person: Person, people: People, flow: Flow
) -> None:
    run_id = flow.running_run()
    admin.pause_flow_run(run_id, timeout=600, approval=ApprovalPolicy())
    with pytest.raises(SelfApprovalError) as refused:
        admin.resume_flow_run(run_id)
    assert refused.value.reason == "SELF_APPROVAL"
    assert admin.get_flow_run(run_id).state_type is StateType.PAUSED

    other = flow.running_run()
    admin.pause_flow_run(other, timeout=600, approval=ApprovalPolicy(allow_self_approval=True))
    assert admin.resume_flow_run(other).resumed is True


def test_a_reject_ends_the_wait_with_pause_rejected_and_its_reason(
    admin: Client, person: Person, people: People, flow: Flow
) -> None:
    run_id = flow.running_run()
    approval = ApprovalPolicy(approvers=["py-alice", "py-bob"], required=2)
    admin.pause_flow_run(run_id, key="approve", timeout=600, approval=approval)
    person(people.bob).resume_flow_run(run_id)  # one approval does not stop a reject

    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting: Future[ResumedInput] = pool.submit(admin.wait_for_resume, run_id, "approve", 60)
        rejected = person(people.alice).reject_flow_run(run_id, "Budget exceeded — nächstes Quartal")
        assert rejected.state_type is StateType.RUNNING  # an in-process pause: the flow decides
        with pytest.raises(PauseRejected) as caught:
            waiting.result(timeout=60)
    err = caught.value
    assert err.reason == "Budget exceeded — nächstes Quartal"
    assert err.principal == "py-alice"
    assert err.rejection.by.principal == "py-alice" and err.rejection.at is not None
    assert str(err) == "Rejected by py-alice: Budget exceeded — nächstes Quartal"
    assert err.code is None
    assert err.flow_run is not None and err.flow_run.state_type is StateType.RUNNING

    # Waiting again answers the same final outcome at once: a rejection is never turned into a retry.
    with pytest.raises(PauseRejected):
        admin.wait_for_resume(run_id, "approve", timeout=60)


@pytest.mark.asyncio
async def test_the_async_client_rejects_and_its_wait_raises_pause_rejected(
    server: Server, people: People, flow: Flow
) -> None:
    run_id = flow.running_run()
    async with AsyncClient(server.address, api_key=server.api_key) as admin:
        await admin.pause_flow_run(run_id, key="approve", timeout=600, approval=ApprovalPolicy(approvers=["py-bob"]))
        async with AsyncClient(server.address, api_key=people.bob) as bob:
            await bob.reject_flow_run(run_id, "no")
        with pytest.raises(PauseRejected) as caught:
            await admin.wait_for_resume(run_id, "approve", timeout=60)
    assert (caught.value.reason, caught.value.principal) == ("no", "py-bob")


def test_a_rejected_suspend_fails_the_run_through_a_shared_link(admin: Client, flow: Flow, server: Server) -> None:
    run_id = flow.running_deployment_run()
    suspended = admin.suspend_flow_run(
        run_id, key="approve", timeout=600, approval=ApprovalPolicy(approvers=["py-alice"], links=ResumeLinks.SHARED)
    )
    assert suspended.state_type is StateType.PAUSED and suspended.pause is not None and suspended.pause.reschedule
    [link] = suspended.links
    assert link.approver == "" and link.token.startswith("fgr_")

    with Client(server.address, api_key=server.api_key) as holder:  # the admin paused it: the link decides
        rejected = holder.reject_flow_run(run_id, "not this quarter", resume_token=link.token)
    assert rejected.state_type is StateType.FAILED
    assert rejected.state is not None and rejected.state.message == "Rejected by link: not this quarter"
    with pytest.raises(PauseRejected) as caught:
        admin.wait_for_resume(run_id, "approve", timeout=60)
    assert caught.value.principal == "link" and caught.value.rejection.link_id == link.id


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No FLOWGATE_API_KEY and no key file: a client made here has no API key at all."""
    monkeypatch.delenv("FLOWGATE_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_resume_link_token_decides_without_an_api_key(
    admin: Client, person: Person, people: People, flow: Flow, server: Server, nowhere: Path
) -> None:
    run_id = flow.running_run()
    paused = admin.pause_flow_run(
        run_id,
        key="approve",
        timeout=600,
        input_schema=NAME_SCHEMA,
        approval=ApprovalPolicy(approvers=["py-alice", "py-bob"], required=2, links="per_approver"),
    )
    links = {link.approver: link for link in paused.links}
    assert sorted(links) == ["py-alice", "py-bob"]
    alice_link, bob_link = links["py-alice"], links["py-bob"]
    assert alice_link.token.startswith("fgr_") and alice_link.url.endswith(f"/approve/{alice_link.token}")
    assert alice_link.token not in repr(alice_link)  # a secret stays out of logs
    assert paused.pause is not None and paused.pause.approval is not None
    assert paused.pause.approval.links is ResumeLinks.PER_APPROVER

    with Client(server.address) as keyless:
        first = keyless.resume_flow_run(run_id, {"name": "via link"}, resume_token=alice_link.token)
        assert first.resumed is False
        with pytest.raises(ResumeLinkUsedError):  # good for one decision
            keyless.resume_flow_run(run_id, {"name": "again"}, resume_token=alice_link.token)
        with pytest.raises(ResumeLinkInvalidError):
            keyless.reject_flow_run(run_id, "no", resume_token="fgr_" + "A" * 43)

    listed = {info.id: info for info in admin.list_resume_links(run_id)}
    assert set(listed) == {alice_link.id, bob_link.id}
    assert listed[alice_link.id].used_at is not None and listed[bob_link.id].used_at is None
    assert listed[alice_link.id].pause_instance_id == paused.pause.instance_id

    revoked = admin.revoke_resume_link(bob_link.id)
    assert revoked.revoked_at is not None
    with pytest.raises(ResumeLinkInvalidError):
        # The admin client holds a key; the call carries the token alone, which is refused.
        admin.resume_flow_run(run_id, {"name": "bob's link"}, resume_token=bob_link.token)

    assert person(people.bob).resume_flow_run(run_id, {"name": "bob"}).resumed is True
    got = admin.wait_for_resume(run_id, "approve", timeout=60)
    assert got == {"name": "bob"}
    assert got.approvals[0].by == Actor(principal="py-alice", channel="link")
    assert got.approvals[0].link_id == alice_link.id
    assert got.approvals[1].by.principal == "py-bob" and got.approvals[1].link_id == ""


def test_awaiting_me_lists_the_paused_runs_a_principal_may_still_approve(
    admin: Client, person: Person, people: People, flow: Flow
) -> None:
    run_id = flow.running_run()
    admin.pause_flow_run(run_id, timeout=600, approval=ApprovalPolicy(approvers=["py-alice", "py-bob"], required=2))

    def awaiting(secret: str) -> list[str]:
        return [r.id for r in person(secret).list_flow_runs(awaiting_me=True, page_size=500).flow_runs]

    assert run_id in awaiting(people.alice) and run_id in awaiting(people.bob)
    assert run_id not in awaiting(people.carol)
    person(people.alice).resume_flow_run(run_id)
    assert run_id not in awaiting(people.alice) and run_id in awaiting(people.bob)


def test_a_timeout_policy_resumes_with_its_input_as_the_principal_timeout(admin: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    admin.pause_flow_run(
        run_id,
        key="approve",
        timeout=1,
        input_schema=NAME_SCHEMA,
        on_timeout=TimeoutPolicy(action="resume", input={"name": "nobody answered"}),
    )
    got = admin.wait_for_resume(run_id, "approve", timeout=60)
    assert got == {"name": "nobody answered"}
    assert [a.by.principal for a in got.approvals] == ["timeout"]


# What the resume-token calls send, seen by a gRPC server in this process: no API key with a token.


class _Recording(pb_grpc.RunServiceServicer):
    def __init__(self) -> None:
        self.authorization: list[str | None] = []

    def _record(self, context: grpc.ServicerContext) -> None:
        found = [str(v) for k, v in context.invocation_metadata() if k == "authorization"]
        self.authorization.append(found[0] if found else None)

    def ResumeFlowRun(
        self, request: pb.ResumeFlowRunRequest, context: grpc.ServicerContext
    ) -> pb.ResumeFlowRunResponse:
        self._record(context)
        return pb.ResumeFlowRunResponse(flow_run=types_pb2.FlowRun(id=request.flow_run_id), resumed=True)

    def RejectFlowRun(
        self, request: pb.RejectFlowRunRequest, context: grpc.ServicerContext
    ) -> pb.RejectFlowRunResponse:
        self._record(context)
        return pb.RejectFlowRunResponse(flow_run=types_pb2.FlowRun(id=request.flow_run_id))


@pytest.fixture
def recording() -> Iterator[tuple[str, _Recording]]:
    servicer = _Recording()
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pb_grpc.add_RunServiceServicer_to_server(servicer, srv)
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    yield f"127.0.0.1:{port}", servicer
    srv.stop(grace=None).wait()


def test_a_call_with_a_resume_token_carries_no_api_key(recording: tuple[str, _Recording]) -> None:
    address, servicer = recording
    with Client(address, api_key="fgk_secret") as client:
        client.resume_flow_run("r", resume_token="fgr_token")
        client.reject_flow_run("r", "no", resume_token="fgr_token")
        client.resume_flow_run("r")
    assert servicer.authorization == [None, None, "Bearer fgk_secret"]


@pytest.mark.asyncio
async def test_the_async_client_sends_no_api_key_with_a_resume_token(recording: tuple[str, _Recording]) -> None:
    address, servicer = recording
    async with AsyncClient(address, api_key="fgk_secret") as client:
        await client.resume_flow_run("r", resume_token="fgr_token")
        await client.reject_flow_run("r", "no", resume_token="fgr_token")
        await client.reject_flow_run("r", "no")
    assert servicer.authorization == [None, None, "Bearer fgk_secret"]
