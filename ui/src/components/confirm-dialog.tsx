import { useEffect, useId, useRef, type ReactNode } from "react";

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  dismissLabel: string;
  onConfirm: () => void;
  onDismiss: () => void;
  children?: ReactNode;
}

/** A modal <dialog>: the browser traps focus, Escape dismisses, and focus returns where it was. */
export function ConfirmDialog({ open, title, confirmLabel, dismissLabel, onConfirm, onDismiss, children }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  // Unique per dialog: a page can hold two (Resume and Cancel run), each named by its own title.
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onDismiss} className="confirm">
      <h2 id={titleId}>{title}</h2>
      {children}
      <div className="dialog-buttons">
        <button type="button" onClick={onDismiss}>
          {dismissLabel}
        </button>
        <button type="button" className="primary" autoFocus onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
