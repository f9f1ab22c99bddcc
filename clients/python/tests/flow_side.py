"""The flow's side of a run for tests, on the raw generated stubs."""

from __future__ import annotations

from typing import Any

import grpc

from flowgate.gen.flowgate.v1 import deployment_service_pb2 as deployments_pb
from flowgate.gen.flowgate.v1 import deployment_service_pb2_grpc as deployments_grpc
from flowgate.gen.flowgate.v1 import run_service_pb2 as pb
from flowgate.gen.flowgate.v1 import run_service_pb2_grpc as pb_grpc
from flowgate.gen.flowgate.v1 import types_pb2


class Flow:
    """The flow's side of a run, on the raw generated stubs: what a flow process (or the TypeScript SDK)
    does, so the tests can exercise the client against real paused runs."""

    def __init__(self, address: str, api_key: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.runs = pb_grpc.RunServiceStub(self.channel)
        # What a flow process's SDK sends with every call.
        self.metadata = (("authorization", f"Bearer {api_key}"),)

    def running_run(self, flow_name: str = "greet-user") -> str:
        res = self.runs.CreateFlowRun(
            pb.CreateFlowRunRequest(
                flow_name=flow_name, state=types_pb2.StateProposal(type=types_pb2.STATE_TYPE_RUNNING)
            ),
            metadata=self.metadata,
        )
        return str(res.flow_run.id)

    def running_deployment_run(self, deployment_name: str = "py-approvals") -> str:
        """A RUNNING run of a deployment (one that may be suspended)."""
        deployment = deployments_grpc.DeploymentServiceStub(self.channel).CreateDeployment(
            deployments_pb.CreateDeploymentRequest(name=deployment_name, flow_name="greet-user", entrypoint="x"),
            metadata=self.metadata,
        )
        res = self.runs.CreateFlowRun(
            pb.CreateFlowRunRequest(
                flow_name="greet-user",
                deployment_id=deployment.deployment.id,
                state=types_pb2.StateProposal(type=types_pb2.STATE_TYPE_RUNNING),
            ),
            metadata=self.metadata,
        )
        return str(res.flow_run.id)

    def pause(
        self, run_id: str, schema: dict[str, Any] | None = None, key: str = "1", timeout_seconds: int = 600
    ) -> None:
        req = pb.PauseFlowRunRequest(flow_run_id=run_id, key=key, timeout_seconds=timeout_seconds)
        if schema is not None:
            req.input_schema.update(schema)
        self.runs.PauseFlowRun(req, metadata=self.metadata)

    def complete(self, run_id: str) -> None:
        self.runs.SetFlowRunState(
            pb.SetFlowRunStateRequest(
                flow_run_id=run_id, state=types_pb2.StateProposal(type=types_pb2.STATE_TYPE_COMPLETED)
            ),
            metadata=self.metadata,
        )

    def close(self) -> None:
        self.channel.close()


NAME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name"],
}
