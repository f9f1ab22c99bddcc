import type { StateJson } from "../api.ts";

/**
 * The state's name, coloured by its type; the type is also in the text for screen readers and tests.
 * `role` names what the badge stands for ("Current state"), for assistive technology.
 */
export function StateBadge({ state, role }: { state: StateJson | null; role?: string }) {
  if (!state) return <span className="badge badge-none">No state</span>;
  const label = state.name.toUpperCase() === state.type ? state.name : `${state.name} (${state.type.toLowerCase()})`;
  return (
    <span
      className={`badge badge-${state.type.toLowerCase()}`}
      data-state-type={state.type}
      {...(role ? { "aria-label": `${role}: ${label}` } : {})}
    >
      {label}
    </span>
  );
}
