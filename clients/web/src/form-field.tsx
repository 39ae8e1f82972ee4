/** A labelled input with its validation message announced to screen readers. */
import type { JSX } from 'preact';

type InputProps = JSX.InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  error?: string | undefined;
  name: string;
};

export function Field({ label, error, name, ...input }: InputProps) {
  const id = `field-${name}`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...input}
      />
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="form-error" role="alert">
      {message}
    </p>
  );
}
