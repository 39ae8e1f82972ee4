import type { Reply } from '@pocdojo/sdk/dojo-protocol';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  return (
    <span class="command">
      <button
        type="button"
        class={className}
        aria-label={label}
        disabled={disabled || busy}
        onClick={async () => {
          setBusy(true);
          const reply = await run();
          setBusy(false);
          setError(reply.ok ? undefined : reply.error.message);
        }}
      >
        {children}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
