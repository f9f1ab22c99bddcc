"""The asyncio client, on grpc.aio: the same methods as :class:`flowgate.Client`, awaited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import grpc
import grpc.aio

from . import _convert as conv
from ._auth import resolve_api_key, with_api_key, without_api_key
from ._reconnect import (
    CHANNEL_OPTIONS,
    HEARTBEAT_SECONDS,
    IDLE_SECONDS,
    OnReconnect,
    Reconnects,
    ended,
    fell_silent,
    next_watch_event,
    watch_is_over,
)
from ._tls import PemSource, TlsSettingsError, channel_credentials, describe_transport, resolve_tls
from ._ui_links import configured_ui_url, run_page_url
from .client import DEFAULT_ADDRESS
from .errors import from_rpc_error
from .gen.flowgate.v1 import audit_service_pb2 as audit_pb
from .gen.flowgate.v1 import audit_service_pb2_grpc as audit_grpc
from .gen.flowgate.v1 import key_service_pb2 as keys_pb
from .gen.flowgate.v1 import key_service_pb2_grpc as keys_grpc
from .gen.flowgate.v1 import run_service_pb2 as pb
from .gen.flowgate.v1 import run_service_pb2_grpc as pb_grpc
from .types import (
    ApprovalPolicy,
    AuditChainVerdict,
    AuditEventPage,
    Caller,
    FlowRun,
    FlowRunEvent,
    FlowRunPage,
    PauseResult,
    ResumedInput,
    ResumeLinkInfo,
    ResumeResult,
    StateType,
    TimeoutPolicy,
)


class AsyncClient:
    """A grpc.aio connection to a Flowgate server. ``async with AsyncClient(address) as client: ...``
    Takes the same options as :class:`flowgate.Client`, and finds its API key the same way.

    Every method raises a :class:`flowgate.FlowgateError` subclass when the call fails.
    """

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        channel: grpc.aio.Channel | None = None,
        timeout: float | None = 30.0,
        metadata: Sequence[tuple[str, str]] | None = None,
        api_key: str | None = None,
        tls: bool | None = None,
        tls_ca: PemSource | None = None,
        tls_cert: PemSource | None = None,
        tls_key: PemSource | None = None,
    ) -> None:
        # Resolved before the channel opens, so an unreadable key file fails here, not on a call.
        key = resolve_api_key(api_key, address if channel is None else None)
        self._transport: str | None = None
        if channel is None and credentials is None:
            settings = resolve_tls(tls, tls_ca, tls_cert, tls_key)
            credentials = channel_credentials(settings) if settings else None
            self._transport = describe_transport(settings)
        elif tls is not None or tls_ca is not None or tls_cert is not None or tls_key is not None:
            raise TlsSettingsError(
                "tls, tls_ca, tls_cert and tls_key make the channel: not with credentials or channel"
            )
        if channel is None:
            channel = (
                grpc.aio.secure_channel(address, credentials, CHANNEL_OPTIONS)
                if credentials
                else grpc.aio.insecure_channel(address, CHANNEL_OPTIONS)
            )
            self._owns_channel = True
        else:
            self._owns_channel = False
        self._channel = channel
        self._stub = pb_grpc.RunServiceStub(channel)
        self._keys = keys_grpc.KeyServiceStub(channel)
        self._audit = audit_grpc.AuditServiceStub(channel)
        self._ui_url = configured_ui_url()  # else the server's answer, once it gave a non-empty one
        self._timeout = timeout
        self._metadata = with_api_key(key, metadata)
        self._token_metadata = without_api_key(self._metadata)

    async def close(self) -> None:
        if self._owns_channel:
            await self._channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        await self.close()

    async def _unary(self, method: Any, request: Any, *, resume_token: str | None = None) -> Any:
        metadata = self._token_metadata if resume_token else self._metadata
        try:
            return await method(request, timeout=self._timeout, metadata=metadata)
        except grpc.RpcError as err:
            raise from_rpc_error(err, self._transport) from None

    async def get_caller(self) -> Caller:
        """See :meth:`flowgate.Client.get_caller`."""
        return conv.caller(await self._unary(self._keys.GetCaller, keys_pb.GetCallerRequest()))

    async def ui_url(self) -> str:
        """See :meth:`flowgate.Client.ui_url`."""
        if self._ui_url is None:
            url = (await self.get_caller()).ui_url.rstrip("/")
            if not url:  # not kept: the server's HTTP side may not have been up yet
                return ""
            self._ui_url = url
        return self._ui_url

    async def run_url(self, run_id: str) -> str | None:
        """See :meth:`flowgate.Client.run_url`."""
        base = await self.ui_url()
        return run_page_url(base, run_id) if base else None

    async def list_audit_events(
        self,
        *,
        flow_run_id: str | None = None,
        principal: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> AuditEventPage:
        """See :meth:`flowgate.Client.list_audit_events`."""
        req = conv.audit_request(flow_run_id, principal, start, end, page_size, page_token)
        return conv.audit_event_page(await self._unary(self._audit.ListAuditEvents, req))

    async def verify_audit_chain(self) -> AuditChainVerdict:
        """See :meth:`flowgate.Client.verify_audit_chain`."""
        res = await self._unary(self._audit.VerifyAuditChain, audit_pb.VerifyAuditChainRequest())
        return conv.audit_chain_verdict(res)

    async def get_flow_run(self, run_id: str) -> FlowRun:
        res = await self._unary(self._stub.GetFlowRun, pb.GetFlowRunRequest(flow_run_id=run_id))
        return conv.flow_run(res.flow_run)

    async def list_flow_runs(
        self,
        *,
        state_types: list[StateType | str] | None = None,
        flow_name: str | None = None,
        deployment_id: str | None = None,
        parent_flow_run_id: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        awaiting_me: bool = False,
    ) -> FlowRunPage:
        """See :meth:`flowgate.Client.list_flow_runs`."""
        req = conv.list_request(
            state_types, flow_name, deployment_id, parent_flow_run_id, page_size, page_token, awaiting_me
        )
        return conv.flow_run_page(await self._unary(self._stub.ListFlowRuns, req))

    async def pause_flow_run(
        self,
        run_id: str,
        *,
        key: str | None = None,
        timeout: float | None = None,
        no_timeout: bool = False,
        reschedule: bool = False,
        input_schema: Mapping[str, Any] | None = None,
        input_description: str | None = None,
        input_initial: Mapping[str, Any] | None = None,
        approval: ApprovalPolicy | None = None,
        on_timeout: TimeoutPolicy | None = None,
        request_id: str | None = None,
    ) -> PauseResult:
        """See :meth:`flowgate.Client.pause_flow_run`."""
        options = conv.PauseOptions(
            key, timeout, no_timeout, input_schema, input_description, input_initial, approval, on_timeout, request_id
        )
        req = conv.pause_request(run_id, reschedule, options)
        return conv.pause_result(await self._unary(self._stub.PauseFlowRun, req))

    async def resume_flow_run(
        self,
        run_id: str,
        run_input: Mapping[str, Any] | Any | None = None,
        *,
        request_id: str | None = None,
        resume_token: str | None = None,
    ) -> ResumeResult:
        """See :meth:`flowgate.Client.resume_flow_run`."""
        req = conv.resume_request(run_id, run_input, request_id, resume_token)
        return conv.resume_result(await self._unary(self._stub.ResumeFlowRun, req, resume_token=resume_token))

    async def reject_flow_run(
        self, run_id: str, reason: str, *, request_id: str | None = None, resume_token: str | None = None
    ) -> FlowRun:
        """See :meth:`flowgate.Client.reject_flow_run`."""
        req = conv.reject_request(run_id, reason, request_id, resume_token)
        res = await self._unary(self._stub.RejectFlowRun, req, resume_token=resume_token)
        return conv.flow_run(res.flow_run)

    async def list_resume_links(self, run_id: str) -> list[ResumeLinkInfo]:
        """See :meth:`flowgate.Client.list_resume_links`."""
        res = await self._unary(self._stub.ListResumeLinks, pb.ListResumeLinksRequest(flow_run_id=run_id))
        return [conv.resume_link_info(link) for link in res.links]

    async def revoke_resume_link(self, link_id: str) -> ResumeLinkInfo:
        """See :meth:`flowgate.Client.revoke_resume_link`."""
        res = await self._unary(self._stub.RevokeResumeLink, pb.RevokeResumeLinkRequest(link_id=link_id))
        return conv.resume_link_info(res.link)

    async def suspend_flow_run(
        self,
        run_id: str,
        *,
        key: str | None = None,
        timeout: float | None = None,
        no_timeout: bool = False,
        input_schema: Mapping[str, Any] | None = None,
        input_description: str | None = None,
        input_initial: Mapping[str, Any] | None = None,
        approval: ApprovalPolicy | None = None,
        on_timeout: TimeoutPolicy | None = None,
        request_id: str | None = None,
    ) -> PauseResult:
        """See :meth:`flowgate.Client.suspend_flow_run`."""
        options = conv.PauseOptions(
            key, timeout, no_timeout, input_schema, input_description, input_initial, approval, on_timeout, request_id
        )
        return conv.pause_result(await self._unary(self._stub.SuspendFlowRun, conv.suspend_request(run_id, options)))

    async def cancel_flow_run(self, run_id: str, *, request_id: str | None = None) -> FlowRun:
        req = pb.CancelFlowRunRequest(flow_run_id=run_id, request_id=conv.request_id(request_id))
        return conv.flow_run((await self._unary(self._stub.CancelFlowRun, req)).flow_run)

    async def watch_flow_run(
        self, run_id: str, *, timeout: float | None = None, on_reconnect: OnReconnect | None = None
    ) -> AsyncIterator[FlowRunEvent]:
        """See :meth:`flowgate.Client.watch_flow_run`; ``async for event in client.watch_flow_run(id)``.
        Reconnects the same way."""
        what = f"watch of run {run_id}"
        req = pb.WatchFlowRunRequest(flow_run_id=run_id)
        reconnects = Reconnects(what, timeout, on_reconnect)
        last: FlowRunEvent | None = None
        while True:
            call = self._stub.WatchFlowRun(
                req, timeout=reconnects.opened(), metadata=self._metadata, wait_for_ready=reconnects.wait_for_ready
            )
            cause = ended(what)
            try:
                async for res in call:
                    event = next_watch_event(last, conv.flow_run_event(res.event))
                    if event is not None:
                        last = event
                        yield event
            except grpc.RpcError as err:
                cause = from_rpc_error(err, self._transport)
            finally:
                call.cancel()
            if watch_is_over(last):
                return
            await asyncio.sleep(reconnects.failed(cause))

    async def wait_for_resume(
        self,
        run_id: str,
        key: str | None = None,
        timeout: float | None = None,
        *,
        on_reconnect: OnReconnect | None = None,
    ) -> ResumedInput:
        """See :meth:`flowgate.Client.wait_for_resume`, which reconnects the same way. Cancelling the
        task cancels the stream."""
        what = f"wait for run {run_id}"
        req = pb.WaitForResumeRequest(flow_run_id=run_id, key=key or "", heartbeat_seconds=HEARTBEAT_SECONDS)
        reconnects = Reconnects(what, timeout, on_reconnect)
        while True:
            call = self._stub.WaitForResume(
                req, timeout=reconnects.opened(), metadata=self._metadata, wait_for_ready=reconnects.wait_for_ready
            )
            cause = ended(what)
            try:
                while True:
                    try:
                        res = await asyncio.wait_for(call.read(), IDLE_SECONDS)
                    except asyncio.TimeoutError:
                        cause = fell_silent(what)
                        break
                    if res is grpc.aio.EOF:
                        break
                    if not req.key and res.key:  # reopen on this pause, not on whatever pause comes next
                        req.key = res.key
                    result = conv.wait_result(res)
                    if result is not None:
                        return result
            except grpc.RpcError as err:
                cause = from_rpc_error(err, self._transport)
            finally:
                call.cancel()
            await asyncio.sleep(reconnects.failed(cause))
