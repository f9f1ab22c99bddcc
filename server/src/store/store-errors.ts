/** Whether an error means the store could not be reached (as opposed to a refusal or a bug). */
export function isStoreUnavailable(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name ?? "";
  return /^Mongo(Network|ServerSelection|NotConnected|Topology)/.test(name);
}
