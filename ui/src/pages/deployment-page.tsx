import { useEffect, useState, type FormEvent } from "react";
import { allEventsUrl, ApiError, getDeployment, runDeployment, type DeploymentJson, type JsonObjectJson, type RunJson } from "../api.ts";
import { LiveIndicator } from "../components/live-indicator.tsx";
import { preloadResumeForm } from "../components/pause-panel.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { runTimes } from "../run-filters.ts";
import { Link } from "../router.tsx";
import { may, useSession } from "../session.tsx";
import { formatDuration, formatTimestamp, useNow } from "../time.ts";
import { useEventStream } from "../use-event-stream.ts";

/** Runs shown here; the runs list, filtered by this deployment, has them all. */
const SHOWN_RUNS = 50;

/** /deployments/<id>: what the deployment runs, a Run button with its parameters, and its runs, live. */
export function DeploymentPage({ deploymentId }: { deploymentId: string }) {
  const session = useSession();
  const [deployment, setDeployment] = useState<DeploymentJson | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [runs, setRuns] = useState<Map<string, RunJson>>(new Map());
  useEffect(() => {
    const controller = new AbortController();
    setDeployment(undefined);
    setRuns(new Map());
    getDeployment(deploymentId, controller.signal).then(setDeployment, (err: unknown) => {
      if (!controller.signal.aborted) setLoadError(err instanceof Error ? err.message : String(err));
    });
    return () => controller.abort();
  }, [deploymentId]);
  const show = (run: RunJson): void =>
    setRuns((prev) => {
      if ((prev.get(run.id)?.version ?? 0) >= run.version) return prev;
      return new Map(prev).set(run.id, run);
    });
  const status = useEventStream(deployment ? allEventsUrl([], new URLSearchParams({ deployment: deployment.id })) : undefined, (e) =>
    show(e.run),
  );
  const now = useNow();

  if (loadError) {
    return (
      <main>
        <p>
          <Link href="/deployments">← All deployments</Link>
        </p>
        <h1>Deployment not found</h1>
        <p role="alert" className="error">
          {loadError}
        </p>
      </main>
    );
  }
  if (!deployment) {
    return (
      <main>
        <p aria-busy="true">Loading deployment…</p>
      </main>
    );
  }
  const shown = [...runs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id)).slice(0, SHOWN_RUNS);

  return (
    <main>
      <p>
        <Link href="/deployments">← All deployments</Link>
      </p>
      <div className="page-header">
        <h1>{deployment.fullName}</h1>
      </div>
      <dl className="facts">
        <dt>Flow</dt>
        <dd>{deployment.flowName}</dd>
        <dt>Entrypoint</dt>
        <dd>
          <code>{deployment.entrypoint || "—"}</code>
        </dd>
        <dt>Deployment id</dt>
        <dd>
          <code>{deployment.id}</code>
        </dd>
        <dt>Owner</dt>
        <dd>{deployment.owner ?? "—"}</dd>
        <dt>Created</dt>
        <dd>{formatTimestamp(deployment.createdAt)}</dd>
      </dl>

      {may(session, "deployments:write") ? (
        <RunForm deployment={deployment} onStarted={show} />
      ) : (
        <p className="muted">Starting a run takes the deployments:write scope, which {session?.name ?? "this key"} does not hold.</p>
      )}

      <section aria-labelledby="deployment-runs-heading">
        <div className="section-header">
          <h2 id="deployment-runs-heading">Runs</h2>
          <LiveIndicator status={status} />
        </div>
        {shown.length === 0 ? (
          <p className="empty">{status === "live" ? "No runs yet." : "Loading…"}</p>
        ) : (
          <table className="runs">
            <caption className="visually-hidden">Runs of this deployment, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((run) => {
                const { duration } = runTimes(run, now);
                return (
                  <tr key={run.id} data-run-id={run.id}>
                    <td data-label="Run">
                      <Link href={`/runs/${run.id}`}>{run.name}</Link>
                    </td>
                    <td data-label="State">
                      <StateBadge state={run.state} />
                    </td>
                    <td data-label="Created">{formatTimestamp(run.createdAt)}</td>
                    <td data-label="Duration">{duration === undefined ? "—" : formatDuration(duration)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p>
          <Link href={`/?deployment=${encodeURIComponent(deployment.id)}`}>All runs of this deployment, with filters</Link>
        </p>
      </section>
    </main>
  );
}

type ResumeFormComponent = Awaited<ReturnType<typeof preloadResumeForm>>["default"];

/** The schema form's component once its code is here (it is most of the form library, loaded apart). */
function useSchemaForm(): ResumeFormComponent | undefined {
  const [loaded, setLoaded] = useState<ResumeFormComponent | undefined>();
  useEffect(() => {
    let live = true;
    preloadResumeForm().then(
      (m) => live && setLoaded(() => m.default),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return loaded;
}

/** The Run form: built from the deployment's parameter schema when its flow declared one, a JSON box otherwise. */
function RunForm({ deployment, onStarted }: { deployment: DeploymentJson; onStarted: (run: RunJson) => void }) {
  return deployment.parameterSchema ? (
    <SchemaRunForm deployment={deployment} schema={deployment.parameterSchema} onStarted={onStarted} />
  ) : (
    <JsonRunForm deployment={deployment} onStarted={onStarted} />
  );
}

/**
 * The parameter schema as the same form a pause's input schema gets, the deployment's defaults filled
 * in. As there, the server is the one judge (it holds every path that starts a run to the schema): its
 * field errors are shown under their fields.
 */
function SchemaRunForm({
  deployment,
  schema,
  onStarted,
}: {
  deployment: DeploymentJson;
  schema: JsonObjectJson;
  onStarted: (run: RunJson) => void;
}) {
  const Form = useSchemaForm();
  const [name, setName] = useState("");
  const [error, setError] = useState<ApiError | undefined>();
  const [started, setStarted] = useState<RunJson | undefined>();
  const [busy, setBusy] = useState(false);

  const start = async (parameters: JsonObjectJson): Promise<void> => {
    setStarted(undefined);
    setError(undefined);
    setBusy(true);
    try {
      const run = await runDeployment(deployment.id, parameters, name.trim());
      setStarted(run);
      onStarted(run);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(String(err), 0));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="run-heading" className="deployment-run">
      <h2 id="run-heading">Run</h2>
      {error ? (
        <p role="alert" className="error" data-reason={error.reason || undefined}>
          {error.fieldErrors.length > 0 ? "The parameters were not accepted; see the fields below." : error.message}
        </p>
      ) : null}
      {Form ? (
        <Form
          schema={schema}
          initial={deployment.parameters}
          fieldErrors={error?.fieldErrors ?? []}
          busy={busy}
          submitLabel="Run"
          busyLabel="Starting…"
          onSubmit={(parameters) => void start(parameters)}
        >
          <div className="field">
            <label htmlFor="run-name">Run name (optional)</label>
            <input id="run-name" type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
        </Form>
      ) : (
        <p aria-busy="true">Loading the form…</p>
      )}
      <StartedNotice started={started} />
    </section>
  );
}

function StartedNotice({ started }: { started: RunJson | undefined }) {
  return (
    <div role="status" className="notice" aria-live="polite">
      {started ? (
        <>
          Started <Link href={`/runs/${started.id}`}>{started.name}</Link>: scheduled for a runner of this deployment to pick up.
        </>
      ) : null}
    </div>
  );
}

/**
 * The run's parameters as JSON, the deployment's defaults to start from (a run's parameters are
 * merged over them), for a flow that declared no parameter schema: the text must be a JSON object.
 */
function JsonRunForm({ deployment, onStarted }: { deployment: DeploymentJson; onStarted: (run: RunJson) => void }) {
  const [text, setText] = useState(JSON.stringify(deployment.parameters, null, 2));
  const [name, setName] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [started, setStarted] = useState<RunJson | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setStarted(undefined);
    const parsed = parseParameters(text);
    if (typeof parsed === "string") {
      setError(parsed);
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const run = await runDeployment(deployment.id, parsed, name.trim());
      setStarted(run);
      onStarted(run);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors.map((f) => `${f.field || "parameters"} ${f.description}`) : [];
      setError([err instanceof Error ? err.message : String(err), ...fields].join(" "));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="run-heading" className="deployment-run">
      <h2 id="run-heading">Run</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="run-parameters">Parameters (JSON object)</label>
          <textarea
            id="run-parameters"
            rows={Math.min(12, Math.max(3, text.split("\n").length))}
            value={text}
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "run-error" : undefined}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="run-name">Run name (optional)</label>
          <input id="run-name" type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        {error ? (
          <p id="run-error" role="alert" className="error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Starting…" : "Run"}
        </button>
      </form>
      <StartedNotice started={started} />
    </section>
  );
}

/** The parameters, or why they are not a JSON object. */
function parseParameters(text: string): JsonObjectJson | string {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `The parameters are not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return 'The parameters must be a JSON object of names and values, like {"name": "Marvin"}.';
  }
  return value as JsonObjectJson;
}
