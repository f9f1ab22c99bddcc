"""The runner for Prefect's suspend scenario (bench/peers/prefect_peer.py starts it): one deployment
of a flow that suspends itself every round. Each resume schedules the run again; re-run from the top,
the flow passes the keys already resumed and suspends at the next one (Prefect skips a pause key it
has seen), so every round is one pick-up by the runner and one new process."""

from prefect import flow
from prefect.flow_runs import suspend_flow_run


@flow(name="suspends-often")
def suspends_often(rounds: int) -> None:
    for i in range(rounds):
        suspend_flow_run(key=f"round-{i}", timeout=600)


if __name__ == "__main__":
    suspends_often.serve(name="bench")
