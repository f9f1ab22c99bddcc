import { useEffect, useState } from "react";
import { listDeployments, type DeploymentJson } from "../api.ts";
import { Link } from "../router.tsx";
import { formatTimestamp } from "../time.ts";

/** /deployments: every deployment (the first 500), each linking to its runs and its Run button. */
export function DeploymentsPage() {
  const [deployments, setDeployments] = useState<DeploymentJson[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    listDeployments("", controller.signal).then(
      (page) => setDeployments(page.deployments),
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => controller.abort();
  }, []);
  return (
    <main>
      <h1>Deployments</h1>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {deployments === undefined ? (
        error ? null : (
          <p className="empty">Loading…</p>
        )
      ) : deployments.length === 0 ? (
        <p className="empty">No deployments yet: a runner creates one when it serves a flow.</p>
      ) : (
        <table className="runs">
          <caption className="visually-hidden">Deployments</caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Flow</th>
              <th scope="col">Entrypoint</th>
              <th scope="col">Created</th>
              <th scope="col">Runs</th>
            </tr>
          </thead>
          <tbody>
            {deployments.map((d) => (
              <tr key={d.id} data-deployment-id={d.id}>
                <td data-label="Deployment">
                  <Link href={`/deployments/${d.id}`}>{d.name}</Link>
                </td>
                <td data-label="Flow">{d.flowName}</td>
                <td data-label="Entrypoint">
                  <code>{d.entrypoint || "—"}</code>
                </td>
                <td data-label="Created">{formatTimestamp(d.createdAt)}</td>
                <td data-label="Runs">
                  <Link href={`/?deployment=${encodeURIComponent(d.id)}`} aria-label={`Runs of ${d.fullName}`}>
                    Runs
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
