import { useEffect, useState } from "react";
import { listInputs, type InputJson } from "../api.ts";
import { formatTimestamp } from "../time.ts";

/** A pause's stored response: "paused-<key>-response" or "suspended-<key>-response" (the server's keyset). */
const RESPONSE = /^(paused|suspended)-(.+)-response$/;

/** The input each pause of the run was resumed with, as stored with the run (who sent it, when). */
export function ResumeInputs({ runId, version }: { runId: string; version: number }) {
  const [inputs, setInputs] = useState<InputJson[] | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    Promise.all([listInputs(runId, "paused-", controller.signal), listInputs(runId, "suspended-", controller.signal)]).then(
      ([paused, suspended]) =>
        setInputs([...paused, ...suspended].filter((i) => RESPONSE.test(i.key)).sort((a, b) => a.createdAt.localeCompare(b.createdAt))),
      () => undefined,
    );
    return () => controller.abort();
  }, [runId, version]);
  if (!inputs || inputs.length === 0) return null;
  return (
    <section aria-labelledby="resume-inputs-heading">
      <h2 id="resume-inputs-heading">Resume input</h2>
      {inputs.map((i) => {
        const [, kind, key] = RESPONSE.exec(i.key)!;
        return (
          <div key={i.key} className="resume-input" data-input-key={i.key}>
            <p className="muted">
              {kind === "suspended" ? "Suspension" : "Pause"} <code>{key}</code>
              {i.sender ? `, sent by ${i.sender}` : ""} at {formatTimestamp(i.createdAt)}
            </p>
            {/* Focusable: a long input scrolls, and the keyboard must reach it too. */}
            <pre className="json" tabIndex={0} aria-label={`Input for ${key}`}>
              {JSON.stringify(i.value, null, 2)}
            </pre>
          </div>
        );
      })}
    </section>
  );
}
