/**
 * A modal question before an action that affects everyone (a FormDialog with nothing to fill in: Cancel
 * first, so a hurried Enter does nothing irreversible).
 */
import type { ComponentChildren } from 'preact';
import { FormDialog } from './form-dialog.tsx';

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger = false,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  /** Called whenever the dialog closes: cancelled, escaped or confirmed. */
  onClose: () => void;
}) {
  return (
    <FormDialog
      open={open}
      title={title}
      description={children}
      submitLabel={confirmLabel}
      danger={danger}
      onSubmit={async () => {
        onConfirm();
        return undefined;
      }}
      onClose={onClose}
    />
  );
}
