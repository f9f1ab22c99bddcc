"""The blocking client."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import grpc

from . import _convert as conv
from ._auth import resolve_api_key, with_api_key, without_api_key
from ._reconnect import (
    CHANNEL_OPTIONS,
    HEARTBEAT_SECONDS,
    IdleTimer,
    OnReconnect,
    Reconnects,
    ended,
    fell_silent,
    next_watch_event,
    watch_is_over,
)
from ._tls import PemSource, TlsSettingsError, channel_credentials, describe_transport, resolve_tls
from ._ui_links import configured_ui_url, run_page_url
from .errors import from_rpc_error
from .gen.flowgate.v1 import audit_service_pb2 as audit_pb
from .gen.flowgate.v1 import audit_service_pb2_grpc as audit_grpc
from .gen.flowgate.v1 import key_service_pb2 as keys_pb
from .gen.flowgate.v1 import key_service_pb2_grpc as keys_grpc
from .gen.flowgate.v1 import run_service_pb2 as pb
from .gen.flowgate.v1 import run_service_pb2_grpc as pb_grpc
from .logs import RunLogs
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

DEFAULT_ADDRESS = "127.0.0.1:50051"


class Client:
    """A connection to a Flowgate server.

    ``Client(address)`` opens a plaintext channel unless TLS is asked for: ``tls=True`` (trusting the
    system's CAs), ``tls_ca`` (the CA that signed the server's certificate; implies TLS), and
    ``tls_cert`` with ``tls_key`` (a client certificate, for a server that requires one) — each a PEM
    file's path, or the PEM as bytes. Each defaults to its environment variable: ``FLOWGATE_TLS``
    (``true``/``false``), ``FLOWGATE_TLS_CA``, ``FLOWGATE_TLS_CLIENT_CERT``, ``FLOWGATE_TLS_CLIENT_KEY``;
    ``tls=False`` is plaintext whatever they say. An unreadable file or a certificate without its key
    raises :class:`flowgate.TlsSettingsError` here. Or pass your own ``credentials``, or a ``channel``
    you made. ``timeout`` (seconds) is the default deadline of unary calls. Use it as a context
    manager, or call ``close()``.

    A failure to connect raises :class:`flowgate.UnavailableError` whose message ends with how the
    client tried (with or without TLS, trusting which CA, with or without a client certificate).

    Every call carries the API key as ``authorization: Bearer <key>``: ``api_key``, else the
    ``FLOWGATE_API_KEY`` environment variable, else — for a server on a loopback address, and not with
    your own ``channel`` — the key in ``.flowgate/admin-key`` of the working directory. Without one
    the server refuses calls with :class:`flowgate.UnauthenticatedError`.

    Every method raises a :class:`flowgate.FlowgateError` subclass when the call fails.
    """

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        channel: grpc.Channel | None = None,
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
                grpc.secure_channel(address, credentials, CHANNEL_OPTIONS)
                if credentials
                else grpc.insecure_channel(address, CHANNEL_OPTIONS)
            )
            self._owns_channel = True
        else:
            self._owns_channel = False
        self._channel = channel
        self._stub = pb_grpc.RunServiceStub(channel)
        self._keys = keys_grpc.KeyServiceStub(channel)
        self._audit = audit_grpc.AuditServiceStub(channel)
        self._logs: RunLogs | None = None
        self._ui_url = configured_ui_url()  # else the server's answer, once it gave a non-empty one
        self._timeout = timeout
        self._metadata = with_api_key(key, metadata)
        self._token_metadata = without_api_key(self._metadata)

    def close(self) -> None:
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()

    def _unary(self, method: Any, request: Any, *, resume_token: str | None = None) -> Any:
        metadata = self._token_metadata if resume_token else self._metadata
        try:
            return method(request, timeout=self._timeout, metadata=metadata)
        except grpc.RpcError as err:
            raise from_rpc_error(err, self._transport) from None

    @property
    def logs(self) -> RunLogs:
        """Run logs: create, list, iter, watch and follow a run's log records (see ``flowgate.logs``)."""
        if self._logs is None:
            self._logs = RunLogs(self)
        return self._logs

    def get_caller(self) -> Caller:
        """Who this client's calls act as, and the web UI's base address the server reports. Raises
        UnauthenticatedError when the key is missing, unknown, expired or revoked."""
        return conv.caller(self._unary(self._keys.GetCaller, keys_pb.GetCallerRequest()))

    def ui_url(self) -> str:
        """The web UI's base address ("http://127.0.0.1:4200", no trailing slash): FLOWGATE_UI_URL of
        this process when set, else the address the server reports serving it on (asked once, then kept).
        Empty when the server reports none."""
        if self._ui_url is None:
            url = (self.get_caller()).ui_url.rstrip("/")
            if not url:  # not kept: the server's HTTP side may not have been up yet
                return ""
            self._ui_url = url
        return self._ui_url

    def run_url(self, run_id: str) -> str | None:
        """A run's page in the web UI ("http://127.0.0.1:4200/runs/<id>"); None when the UI's address
        is unknown."""
        base = self.ui_url()
        return run_page_url(base, run_id) if base else None

    def list_audit_events(
        self,
        *,
        flow_run_id: str | None = None,
        principal: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> AuditEventPage:
        """Audit entries, oldest first: of one run, one principal, and/or a time range [start, end).
        Scope runs:read. Raises InvalidArgumentError (page size or token, end before start)."""
        req = conv.audit_request(flow_run_id, principal, start, end, page_size, page_token)
        return conv.audit_event_page(self._unary(self._audit.ListAuditEvents, req))

    def verify_audit_chain(self) -> AuditChainVerdict:
        """Recomputes the server's whole audit chain: intact, or the first entry where it breaks.
        Scope admin."""
        res = self._unary(self._audit.VerifyAuditChain, audit_pb.VerifyAuditChainRequest())
        return conv.audit_chain_verdict(res)

    def get_flow_run(self, run_id: str) -> FlowRun:
        """The run, with its current pause if PAUSED. Raises FlowRunNotFoundError."""
        res = self._unary(self._stub.GetFlowRun, pb.GetFlowRunRequest(flow_run_id=run_id))
        return conv.flow_run(res.flow_run)

    def list_flow_runs(
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
        """One page of runs, newest first. Pass ``next_page_token`` back as ``page_token`` for the next.
        ``awaiting_me=True``: only PAUSED runs the caller may approve now and has not approved yet."""
        req = conv.list_request(
            state_types, flow_name, deployment_id, parent_flow_run_id, page_size, page_token, awaiting_me
        )
        return conv.flow_run_page(self._unary(self._stub.ListFlowRuns, req))

    def pause_flow_run(
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
        """Pauses a RUNNING run in-process (with ``reschedule``, like ``suspend_flow_run``): what a flow's
        own process does, then ``wait_for_resume``. ``timeout`` is in seconds (server default one hour).

        ``approval`` says who may resume or reject it and how many must agree, and which resume links to
        hand out; ``on_timeout`` what its timeout does. The result is the run with ``links`` (the resume
        links with their tokens, only ever returned here) and, when the key had already fired on this
        run, ``already_fired`` and ``run_input``. Raises TransitionRefusedError for a run that is not
        running, InvalidArgumentError (key, schema, timeout, policy), FlowRunNotFoundError.
        """
        options = conv.PauseOptions(
            key, timeout, no_timeout, input_schema, input_description, input_initial, approval, on_timeout, request_id
        )
        req = conv.pause_request(run_id, reschedule, options)
        return conv.pause_result(self._unary(self._stub.PauseFlowRun, req))

    def resume_flow_run(
        self,
        run_id: str,
        run_input: Mapping[str, Any] | Any | None = None,
        *,
        request_id: str | None = None,
        resume_token: str | None = None,
    ) -> ResumeResult:
        """Resumes a PAUSED run with ``run_input`` (a dict or a pydantic model), validated by the server
        against the pause's schema before anything changes.

        With an approval policy on the pause the call is an approval: below the quorum it is recorded
        and the run stays PAUSED; the result (the run) then has ``resumed`` False. ``resume_token`` (a
        resume link's token) stands in for the API key: the call carries no key and acts as the link's
        principal.

        Raises InvalidRunInputError (with ``field_errors``) when the input fails the schema,
        NotPausedError when the run is not paused, FlowPauseTimeout when its pause timed out,
        NotAnApproverError, SelfApprovalError, ResumeLinkInvalidError, ResumeLinkUsedError,
        ResumeLinkExpiredError, FlowRunNotFoundError.
        """
        req = conv.resume_request(run_id, run_input, request_id, resume_token)
        return conv.resume_result(self._unary(self._stub.ResumeFlowRun, req, resume_token=resume_token))

    def reject_flow_run(
        self, run_id: str, reason: str, *, request_id: str | None = None, resume_token: str | None = None
    ) -> FlowRun:
        """Rejects a PAUSED run (``reason``: at most 2,000 characters, shown to the flow and in the run's
        state): one reject ends the pause whatever the quorum, and its waiter raises PauseRejected. A
        suspended run becomes FAILED. Allowed to whoever may approve the pause; ``resume_token`` stands
        in for the API key as in ``resume_flow_run``. Raises as ``resume_flow_run``."""
        req = conv.reject_request(run_id, reason, request_id, resume_token)
        return conv.flow_run(self._unary(self._stub.RejectFlowRun, req, resume_token=resume_token).flow_run)

    def list_resume_links(self, run_id: str) -> list[ResumeLinkInfo]:
        """The run's resume links (never their tokens): who each is for, whether used or revoked."""
        res = self._unary(self._stub.ListResumeLinks, pb.ListResumeLinksRequest(flow_run_id=run_id))
        return [conv.resume_link_info(link) for link in res.links]

    def revoke_resume_link(self, link_id: str) -> ResumeLinkInfo:
        """Revokes a resume link: it is refused from then on (revoking it again answers it unchanged).
        Raises ResumeLinkInvalidError for an unknown link id."""
        res = self._unary(self._stub.RevokeResumeLink, pb.RevokeResumeLinkRequest(link_id=link_id))
        return conv.resume_link_info(res.link)

    def suspend_flow_run(
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
        """Suspends a RUNNING run (PAUSED "Suspended"); its process should end. ``timeout`` is in
        seconds (server default one hour); ``approval`` and ``on_timeout`` as in ``pause_flow_run``, whose
        result (the run, with ``links``) it returns. Raises TransitionRefusedError for subflows, runs
        without a deployment and runs that are not running."""
        options = conv.PauseOptions(
            key, timeout, no_timeout, input_schema, input_description, input_initial, approval, on_timeout, request_id
        )
        return conv.pause_result(self._unary(self._stub.SuspendFlowRun, conv.suspend_request(run_id, options)))

    def cancel_flow_run(self, run_id: str, *, request_id: str | None = None) -> FlowRun:
        """Cancels a run. Raises AlreadyFinalError for a run in a final state, FlowRunNotFoundError."""
        req = pb.CancelFlowRunRequest(flow_run_id=run_id, request_id=conv.request_id(request_id))
        return conv.flow_run(self._unary(self._stub.CancelFlowRun, req).flow_run)

    def watch_flow_run(
        self, run_id: str, *, timeout: float | None = None, on_reconnect: OnReconnect | None = None
    ) -> Iterator[FlowRunEvent]:
        """Yields the run's current state (``initial=True``), then every change in order; ends after a
        final state. Closing the iterator (or leaving a ``for`` loop) cancels the stream.

        A dropped stream (a server restart, the network) is reopened with backoff, as in
        ``wait_for_resume``; the reopened watch resumes from the run's current state, and no version is
        yielded twice or out of order (changes made while it was down arrive as one change from the
        last state yielded). ``timeout`` (seconds) bounds the whole watch: WaitTimeout after it.
        """
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
                for res in call:
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
            time.sleep(reconnects.failed(cause))

    def wait_for_resume(
        self,
        run_id: str,
        key: str | None = None,
        timeout: float | None = None,
        *,
        on_reconnect: OnReconnect | None = None,
    ) -> ResumedInput:
        """Blocks while the run's pause (``key``, or its current one) is pending; returns the input it
        was resumed with (a dict, {} when none) whose ``approvals`` lists every approval in order (the
        last one completed the quorum). Returns at once for a pause already resumed.

        The wait survives a server restart: a dropped or silent stream is reopened, waiting for the
        server to be ready, with exponential backoff and full jitter (0.2 s doubling up to 10 s; at
        least 1 s when the server answered it cannot serve yet), until an outcome or ``timeout``
        (seconds, for the whole wait). ``on_reconnect(attempt, cause, delay_seconds)`` is called before
        each reopening, which the ``flowgate`` logger also reports at INFO.

        Raises PauseRejected (``reason``, ``principal``) when an approver rejected it, PauseTimedOut,
        FlowRunCancelled or FlowRunSuspended when the pause ends otherwise — final outcomes, never
        retried — WaitTimeout when ``timeout`` seconds pass first, FlowRunNotFoundError,
        PauseNotFoundError (no such key), NotPausedError (no key and the run is not paused), and the
        other errors no reopening can mend (UnauthenticatedError, PermissionDeniedError, ...).
        """
        what = f"wait for run {run_id}"
        req = pb.WaitForResumeRequest(flow_run_id=run_id, key=key or "", heartbeat_seconds=HEARTBEAT_SECONDS)
        reconnects = Reconnects(what, timeout, on_reconnect)
        while True:
            call = self._stub.WaitForResume(
                req, timeout=reconnects.opened(), metadata=self._metadata, wait_for_ready=reconnects.wait_for_ready
            )
            idle = IdleTimer(call)
            cause = ended(what)
            try:
                for res in call:
                    idle.rearm()
                    if not req.key and res.key:  # reopen on this pause, not on whatever pause comes next
                        req.key = res.key
                    result = conv.wait_result(res)
                    if result is not None:
                        return result
            except grpc.RpcError as err:
                cause = fell_silent(what) if idle.fired else from_rpc_error(err, self._transport)
            finally:
                idle.stop()
                call.cancel()
            time.sleep(reconnects.failed(cause))
