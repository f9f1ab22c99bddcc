/**
 * Links into the web UI. The server reports the address it serves the UI on (GetCaller's ui_url:
 * its FLOWGATE_UI_URL, else the HTTP address it bound), so a link names the right host and port;
 * FLOWGATE_UI_URL in this process's environment overrides it (a UI reached through another name).
 */

/** FLOWGATE_UI_URL of this process, without a trailing slash; undefined when unset or blank. */
export function configuredUiUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env["FLOWGATE_UI_URL"]?.trim();
  return url ? withoutTrailingSlash(url) : undefined;
}

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** A run's page under the UI's base address. */
export function runPageUrl(uiUrl: string, flowRunId: string): string {
  return `${uiUrl}/runs/${encodeURIComponent(flowRunId)}`;
}
