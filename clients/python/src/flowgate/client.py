"""The blocking client."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import grpc

from . import _convert as conv
from ._auth import resolve_api_key, with_api_key
from ._tls import PemSource, TlsSettingsError, channel_credentials, describe_transport, resolve_tls
from .errors import FlowgateError, from_rpc_error
from .gen.flowgate.v1 import run_service_pb2 as pb
from .gen.flowgate.v1 import run_service_pb2_grpc as pb_grpc
from .types import FlowRun, FlowRunEvent, FlowRunPage, StateType

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
            channel = grpc.secure_channel(address, credentials) if credentials else grpc.insecure_channel(address)
            self._owns_channel = True
        else:
            self._owns_channel = False
        self._channel = channel
        self._stub = pb_grpc.RunServiceStub(channel)
        self._timeout = timeout
        self._metadata = with_api_key(key, metadata)

    def close(self) -> None:
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()

    def _unary(self, method: Any, request: Any) -> Any:
        try:
            return method(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as err:
            raise from_rpc_error(err, self._transport) from None

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
    ) -> FlowRunPage:
        """One page of runs, newest first. Pass ``next_page_token`` back as ``page_token`` for the next."""
        req = conv.list_request(state_types, flow_name, deployment_id, parent_flow_run_id, page_size, page_token)
        return conv.flow_run_page(self._unary(self._stub.ListFlowRuns, req))

    def resume_flow_run(
        self, run_id: str, run_input: Mapping[str, Any] | Any | None = None, *, request_id: str | None = None
    ) -> FlowRun:
        """Resumes a PAUSED run with ``run_input`` (a dict or a pydantic model), validated by the server
        against the pause's schema before anything changes.

        Raises InvalidRunInputError (with ``field_errors``) when the input fails the schema,
        NotPausedError when the run is not paused, FlowPauseTimeout when its pause timed out,
        FlowRunNotFoundError.
        """
        req = pb.ResumeFlowRunRequest(flow_run_id=run_id, request_id=conv.request_id(request_id))
        struct = conv.input_to_struct(run_input)
        if struct is not None:
            req.run_input.CopyFrom(struct)
        return conv.flow_run(self._unary(self._stub.ResumeFlowRun, req).flow_run)

    def suspend_flow_run(
        self,
        run_id: str,
        *,
        key: str | None = None,
        timeout: float | None = None,
        no_timeout: bool = False,
        input_schema: Mapping[str, Any] | None = None,
        input_description: str | None = None,
        request_id: str | None = None,
    ) -> FlowRun:
        """Suspends a RUNNING run (PAUSED "Suspended"); its process should end. ``timeout`` is in
        seconds (server default one hour). Raises TransitionRefusedError for subflows, runs without a
        deployment and runs that are not running."""
        req = conv.suspend_request(run_id, key, timeout, no_timeout, input_schema, input_description, request_id)
        return conv.flow_run(self._unary(self._stub.SuspendFlowRun, req).flow_run)

    def cancel_flow_run(self, run_id: str, *, request_id: str | None = None) -> FlowRun:
        """Cancels a run. Raises AlreadyFinalError for a run in a final state, FlowRunNotFoundError."""
        req = pb.CancelFlowRunRequest(flow_run_id=run_id, request_id=conv.request_id(request_id))
        return conv.flow_run(self._unary(self._stub.CancelFlowRun, req).flow_run)

    def watch_flow_run(self, run_id: str, *, timeout: float | None = None) -> Iterator[FlowRunEvent]:
        """Yields the run's current state (``initial=True``), then every change in order; ends after a
        final state. Closing the iterator (or leaving a ``for`` loop) cancels the stream."""
        call = self._stub.WatchFlowRun(
            pb.WatchFlowRunRequest(flow_run_id=run_id), timeout=timeout, metadata=self._metadata
        )
        try:
            for res in call:
                yield conv.flow_run_event(res.event)
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.CANCELLED:
                return
            raise from_rpc_error(err, self._transport) from None
        finally:
            call.cancel()

    def wait_for_resume(self, run_id: str, key: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Blocks while the run's pause (``key``, or its current one) is pending; returns the input it
        was resumed with ({} when none). Returns at once for a pause already resumed.

        Raises PauseTimedOut, FlowRunCancelled or FlowRunSuspended when the pause ends otherwise,
        WaitTimeout when ``timeout`` seconds pass first, FlowRunNotFoundError, PauseNotFoundError (no
        such key), NotPausedError (no key and the run is not paused).
        """
        req = pb.WaitForResumeRequest(flow_run_id=run_id, key=key or "")
        call = self._stub.WaitForResume(req, timeout=timeout, metadata=self._metadata)
        try:
            for res in call:
                result = conv.wait_result(res)
                if result is not None:
                    return result
        except grpc.RpcError as err:
            raise from_rpc_error(err, self._transport) from None
        finally:
            call.cancel()
        raise FlowgateError(f"the wait for run {run_id} ended without an outcome", grpc.StatusCode.UNKNOWN)
