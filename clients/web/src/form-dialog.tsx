/**
 * A modal dialog around one action (end a dojo, erase a person, change their roles), with the fields it
 * needs if any. The native <dialog> opened with showModal() does the accessibility work: focus moves in and
 * stays, the page behind is inert, Escape cancels, and focus returns to the button that opened it. It is
 * named by its title and described by its text; Cancel takes the focus first, so a hurried Enter changes
 * nothing. It stays open, showing the action's error, until the action succeeds.
 */
import type { ApiError } from '@pocdojo/sdk/api-client';
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { FormError } from './form-field.tsx';

export function FormDialog({
  open,
  title,
  description,
  submitLabel,
  busyLabel = submitLabel,
  danger = false,
  canSubmit = true,
  onOpen,
  onSubmit,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  description: ComponentChildren;
  submitLabel: string;
  busyLabel?: string;
  danger?: boolean;
  canSubmit?: boolean;
  /** Resets the form's state each time the dialog opens. */
  onOpen?: () => void;
  /** Does the action with the form's data; an error keeps the dialog open and is shown in it. */
  onSubmit: (form: FormData) => Promise<ApiError | undefined>;
  /** Called whenever the dialog closes: cancelled, escaped or done. */
  onClose: () => void;
  /** The form's fields. */
  children?: ComponentChildren;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      setError(undefined);
      onOpen?.();
      element.showModal();
    }
    if (!open && element.open) element.close();
  }, [open]);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    const failed = await onSubmit(new FormData(event.currentTarget as HTMLFormElement));
    setBusy(false);
    setError(failed);
    if (!failed) dialog.current?.close();
  }

  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onClose={onClose}
    >
      <form onSubmit={(event) => void submit(event)}>
        <h2 id={`${id}-title`}>{title}</h2>
        <p id={`${id}-text`}>{description}</p>
        {children}
        <FormError message={error?.message} />
        <div class="button-row">
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy || !canSubmit}>
            {busy ? busyLabel : submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
