import type { Reply } from '@pocdojo/sdk/dojo-protocol';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** A dojo command with its progress and the server's refusal, for a button or a keyboard shortcut. */
export function useCommand<Args extends unknown[]>(run: (...args: Args) => Promise<Reply>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  return {
    busy,
    error,
    /** Shows a refusal the client knows of before asking the server (a shortcut pressed while disabled). */
    refuse: setError,
    async send(...args: Args) {
      setBusy(true);
      const reply = await run(...args);
      setBusy(false);
      setError(reply.ok ? undefined : reply.error.message);
    },
  };
}

export function CommandError({ error }: { error: string | undefined }) {
  return error ? (
    <span class="field-error" role="alert">
      {error}
    </span>
  ) : null;
}

/** A button that runs a dojo command and shows the server's refusal, if any, next to it. */
export function CommandButton({
  run,
  children,
  class: className,
  disabled,
  label,
}: {
  run: () => Promise<Reply>;
  children: ComponentChildren;
  class?: string;
  disabled?: boolean;
  label?: string;
}) {
  const command = useCommand(run);
  return (
    <span class="command">
      <button
        type="button"
        class={className}
        aria-label={label}
        disabled={disabled || command.busy}
        onClick={() => void command.send()}
      >
        {children}
      </button>
      <CommandError error={command.error} />
    </span>
  );
}
