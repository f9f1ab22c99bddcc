import { useEffect, useId, useRef, useState, type FormEvent } from "react";

/** The server's limit on a reject's reason (APPROVAL_LIMITS.maxRejectReasonLength). */
export const MAX_REJECT_REASON = 2000;

interface RejectDialogProps {
  open: boolean;
  /** What a reject does to this run, in one sentence (an in-process pause and a suspended run differ). */
  consequence: string;
  onReject: (reason: string) => void;
  onDismiss: () => void;
}

/**
 * A modal <dialog> asking why: the reason goes to the flow and into the run's state message
 * ("Rejected by alice: <reason>"), so an empty one is not sent.
 */
export function RejectDialog({ open, consequence, onReject, onDismiss }: RejectDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const helpId = useId();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const [reason, setReason] = useState("");
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // Straight to the reason: it is what the dialog asks for.
      reasonRef.current?.focus();
    }
    if (!open && dialog.open) dialog.close();
    if (!open) setReason("");
  }, [open]);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (reason.trim() !== "") onReject(reason.trim());
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onDismiss} className="confirm reject">
      {/* Its form exists only while it is open: a closed dialog's "Reason" field would otherwise sit
          beside the pause form's own fields (a schema may well have a field called reason). */}
      {open ? (
        <form onSubmit={submit}>
          <h2 id={titleId}>Reject this run?</h2>
          <p>{consequence}</p>
          <label htmlFor={reasonId}>Reason</label>
          <textarea
            id={reasonId}
            required
            rows={4}
            maxLength={MAX_REJECT_REASON}
            value={reason}
            ref={reasonRef}
            aria-describedby={helpId}
            onChange={(e) => setReason(e.target.value)}
          />
          <p id={helpId} className="muted">
            Shown to the flow and in the run's state message ({reason.length} of {MAX_REJECT_REASON.toLocaleString("en")} characters).
          </p>
          <div className="dialog-buttons">
            <button type="button" onClick={onDismiss}>
              Keep waiting
            </button>
            <button type="submit" className="danger" disabled={reason.trim() === ""}>
              Reject
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
