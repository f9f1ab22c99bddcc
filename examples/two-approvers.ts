// Two of three people must approve a payout: a pause with an approval policy (alice, bob and carol;
// two must agree; the key that started the run may not approve it) and one single-use resume link per
// approver, which the flow prints (a real flow would mail each link to its approver). A reject is
// caught: the flow says who rejected it and why, and ends without paying.
//   npx tsx examples/two-approvers.ts     (server from `npm start`; FLOWGATE_API_ADDRESS, default 127.0.0.1:50051)
// The approvers need keys of their own (once, with the admin key `npm start` wrote):
//   ALICE=$(npx flowgate keys create --name alice --scopes runs:read,runs:resume)   # and the same for bob and carol
// The example prints the run id and a link per approver, then waits (PAUSED, for up to a day). Approve:
//   FLOWGATE_API_KEY=$ALICE npx flowgate runs resume <id> --input '{"note": "fine"}'
//   # Recorded an approval of … : 1 of 2 approvals (alice); the run stays PAUSED
//   FLOWGATE_API_KEY=$BOB npx flowgate runs resume <id>
//   # Resumed … : RUNNING — and this process prints "Paid 250 EUR to ACME, approved by alice, bob." and exits
// or reject (any one approver is enough):
//   FLOWGATE_API_KEY=$CAROL npx flowgate runs reject <id> --reason "not budgeted"
//   # this process prints "Payout to ACME not made: Rejected by carol: not budgeted" and exits
// Or open a printed link (no sign-in needed) and press Resume or Reject there; `npx flowgate runs resume
// <id> --token <the link's token>` does the same from a terminal with no API key at all.
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { currentFlowRun, flow, pauseFlowRun, PauseRejectedError, RunInput } from "flowgate";

const Approval = RunInput.define(z.object({ note: z.string().default("") }), {
  description: "Pay **250 EUR** to ACME? Two of alice, bob and carol must approve; one reject stops it.",
});

const AMOUNT = 250;
const PAYEE = "ACME";

export const twoApprovers = flow(
  async () => {
    const id = currentFlowRun()?.id;
    try {
      const { approvals } = await pauseFlowRun({
        waitForInput: Approval,
        approval: { approvers: ["alice", "bob", "carol"], required: 2, links: "per-approver" },
        timeout: 24 * 3600,
        returnApprovals: true,
        // The links exist only in this moment: hand each to its approver (here: print them).
        onPaused: ({ links }) => {
          console.log(`Paused; approve with: npx flowgate runs resume ${id}  (two of alice, bob, carol, each with their own key)`);
          for (const link of links) console.log(`  link for ${link.approver}: ${link.url}`);
        },
      });
      // Each approval carries its own input (who wrote what); the flow's input is the quorum-completing one's.
      const notes = approvals.map((a) => a.input?.["note"]).filter((n): n is string => typeof n === "string" && n !== "");
      console.log(`Paid ${AMOUNT} EUR to ${PAYEE}, approved by ${approvals.map((a) => a.by.principal).join(", ")}.`);
      if (notes.length > 0) console.log(`Notes: ${notes.join("; ")}`);
      return "paid";
    } catch (err) {
      // One reject ends the pause whatever the quorum; the run is RUNNING again and the flow decides.
      if (!(err instanceof PauseRejectedError)) throw err;
      console.log(`Payout to ${PAYEE} not made: ${err.message}`);
      return "not paid";
    }
  },
  { name: "two-approvers" },
);

// Only when run as a script: tests (and other scripts) import the flow without starting a run.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await twoApprovers();
