import { useEffect, useState, type FormEvent } from "react";
import { listDeployments, type DeploymentJson } from "../api.ts";
import { isoToLocalInput, localInputToIso, pathWith, type RunFilters } from "../run-filters.ts";
import { navigate } from "../router.tsx";

/**
 * Flow, deployment, name search and creation time range, applied together (the state is chosen
 * apart, above the list, with its counts). Applying changes the address, so the view can be shared.
 */
export function RunFilterForm({ filters }: { filters: RunFilters }) {
  const p = filters.params;
  const [flow, setFlow] = useState(p.get("flow") ?? "");
  const [deployment, setDeployment] = useState(p.get("deployment") ?? "");
  const [search, setSearch] = useState(p.get("search") ?? "");
  const [after, setAfter] = useState(isoToLocalInput(p.get("createdAfter")));
  const [before, setBefore] = useState(isoToLocalInput(p.get("createdBefore")));
  const deployments = useDeployments();
  // The address changed elsewhere (back, a state link, Clear): the fields follow it.
  const key = p.toString();
  useEffect(() => {
    setFlow(p.get("flow") ?? "");
    setDeployment(p.get("deployment") ?? "");
    setSearch(p.get("search") ?? "");
    setAfter(isoToLocalInput(p.get("createdAfter")));
    setBefore(isoToLocalInput(p.get("createdBefore")));
  }, [key]);

  const apply = (e: FormEvent): void => {
    e.preventDefault();
    navigate(
      pathWith(window.location.search, {
        flow: flow.trim(),
        deployment,
        search: search.trim(),
        createdAfter: localInputToIso(after),
        createdBefore: localInputToIso(before),
      }),
    );
  };
  const clear = (): void => {
    navigate(pathWith(window.location.search, { flow: "", deployment: "", search: "", createdAfter: "", createdBefore: "" }));
  };
  const any = ["flow", "deployment", "search", "createdAfter", "createdBefore"].some((n) => p.has(n));

  return (
    <form className="run-filters" role="search" aria-label="Filter runs" onSubmit={apply}>
      <div className="field">
        <label htmlFor="filter-search">Name contains</label>
        <input id="filter-search" type="search" maxLength={100} value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="filter-flow">Flow</label>
        <input id="filter-flow" type="text" value={flow} onChange={(e) => setFlow(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="filter-deployment">Deployment</label>
        <select id="filter-deployment" value={deployment} onChange={(e) => setDeployment(e.target.value)}>
          <option value="">Any</option>
          {deployment && !deployments.some((d) => d.id === deployment) ? <option value={deployment}>{deployment}</option> : null}
          {deployments.map((d) => (
            <option key={d.id} value={d.id}>
              {d.fullName}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-after">Created after</label>
        <input id="filter-after" type="datetime-local" value={after} onChange={(e) => setAfter(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="filter-before">Created before</label>
        <input id="filter-before" type="datetime-local" value={before} onChange={(e) => setBefore(e.target.value)} />
      </div>
      <div className="field buttons">
        <button type="submit" className="primary">
          Apply
        </button>
        {any ? (
          <button type="button" onClick={clear}>
            Clear
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** The deployments to choose from (the first 500; a deployment given in the address is kept even if not among them). */
function useDeployments(): DeploymentJson[] {
  const [deployments, setDeployments] = useState<DeploymentJson[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    listDeployments("", controller.signal).then(
      (page) => setDeployments(page.deployments),
      () => undefined,
    );
    return () => controller.abort();
  }, []);
  return deployments;
}
