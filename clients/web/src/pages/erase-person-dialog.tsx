/**
 * The admin's erasure of a person, in a modal <dialog> opened with showModal() (focus moves in and stays,
 * Escape cancels, focus returns to the Erase button). What happens to the person's POCs is a required
 * choice in a fieldset with its legend; Cancel takes the focus first, so a hurried Enter erases nobody.
 */
import type { ApiError, ErasureResult, User } from '@pocdojo/sdk/api-client';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { api } from '../session.ts';

export function ErasePersonDialog({
  person,
  heirs,
  onErased,
  onClose,
}: {
  /** The person to erase; the dialog is open while set. */
  person: User | undefined;
  /** Who may receive the POCs: current members other than the person. */
  heirs: User[];
  onErased: (result: ErasureResult, person: User) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [choice, setChoice] = useState<'reassign' | 'delete'>('reassign');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (person && !element.open) {
      setChoice(heirs.length > 0 ? 'reassign' : 'delete');
      setError(undefined);
      element.showModal();
    }
    if (!person && element.open) element.close();
  }, [person]);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (!person) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const toUserId = String(form.get('heir') ?? '');
    setBusy(true);
    const answer = await api.erasePerson(
      person.id,
      choice === 'reassign' ? { pocs: 'reassign', toUserId } : { pocs: 'delete' },
    );
    setBusy(false);
    if (!answer.ok) return setError(answer.error);
    dialog.current?.close();
    onErased(answer.value, person);
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
        <h2 id={`${id}-title`}>Erase {person?.displayName}?</h2>
        <p id={`${id}-text`}>
          Their name and email address are removed everywhere, they are signed out and cannot sign in again, their
          videos and share links are deleted, and their chat messages show as from “a former member”. This cannot be
          undone.
        </p>
        <fieldset>
          <legend>Their POCs</legend>
          <label>
            <input
              type="radio"
              name="pocs"
              value="reassign"
              checked={choice === 'reassign'}
              disabled={heirs.length === 0}
              onChange={() => setChoice('reassign')}
            />{' '}
            Give them to
          </label>
          <label class="visually-hidden" for={`${id}-heir`}>
            Member who receives the POCs
          </label>
          <select id={`${id}-heir`} name="heir" disabled={choice !== 'reassign'} required={choice === 'reassign'}>
            {heirs.map((heir) => (
              <option value={heir.id}>{heir.displayName}</option>
            ))}
          </select>
          <label>
            <input
              type="radio"
              name="pocs"
              value="delete"
              checked={choice === 'delete'}
              onChange={() => setChoice('delete')}
            />{' '}
            Delete them
          </label>
        </fieldset>
        <FormError message={error?.message} />
        <div class="button-row">
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={busy}>
            {busy ? 'Erasing…' : 'Erase'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
