/**
 * The admin's change of a member's roles, in a modal <dialog> opened with showModal() (focus moves in and
 * stays, Escape cancels, focus returns to the button that opened it). The roles are checkboxes in a
 * fieldset with its legend; at least one must stay checked. The member's sessions pick the new roles up at
 * their next request: the tokens they hold are revoked and their app refreshes.
 */
import type { ApiError, User } from '@pocdojo/sdk/api-client';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { api } from '../session.ts';

export function ChangeRolesDialog({
  person,
  assignable,
  onChanged,
  onClose,
}: {
  /** The member whose roles change; the dialog is open while set. */
  person: User | undefined;
  assignable: User['roles'];
  onChanged: (person: User) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [roles, setRoles] = useState<User['roles']>([]);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (person && !element.open) {
      setRoles(person.roles);
      setError(undefined);
      element.showModal();
    }
    if (!person && element.open) element.close();
  }, [person]);

  const toggle = (role: User['roles'][number], checked: boolean) =>
    setRoles((current) => (checked ? [...current, role] : current.filter((held) => held !== role)));

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (!person) return;
    setBusy(true);
    const answer = await api.changeRoles(
      person.id,
      assignable.filter((role) => roles.includes(role)),
    );
    setBusy(false);
    if (!answer.ok) return setError(answer.error);
    dialog.current?.close();
    onChanged(answer.value);
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
        <h2 id={`${id}-title`}>Roles of {person?.displayName}</h2>
        <p id={`${id}-text`}>
          They keep working without signing in again, with the new roles from their next step. In a dojo they have
          joined, the role the dojo lists for them stays until a facilitator changes it there; admin and facilitator
          apply in every dojo.
        </p>
        <fieldset class="roles">
          <legend>Roles</legend>
          {assignable.map((role) => (
            <label>
              <input
                type="checkbox"
                name={`role-${role}`}
                checked={roles.includes(role)}
                onChange={(event) => toggle(role, event.currentTarget.checked)}
              />{' '}
              {role}
            </label>
          ))}
        </fieldset>
        <FormError message={error?.message} />
        <div class="button-row">
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy || roles.length === 0}>
            {busy ? 'Saving…' : 'Save roles'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
