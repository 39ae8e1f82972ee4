/**
 * The admin's erasure of a person (a FormDialog: modal, Cancel first). What happens to the person's POCs
 * is a required choice in a fieldset with its legend.
 */
import type { ErasureResult, User } from '@pocdojo/sdk/api-client';
import { useId, useState } from 'preact/hooks';
import { FormDialog } from '../form-dialog.tsx';
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
  const [choice, setChoice] = useState<'reassign' | 'delete'>('reassign');
  const heirField = useId();

  async function erase(form: FormData) {
    if (!person) return undefined;
    const toUserId = String(form.get('heir') ?? '');
    const answer = await api.erasePerson(
      person.id,
      choice === 'reassign' ? { pocs: 'reassign', toUserId } : { pocs: 'delete' },
    );
    if (!answer.ok) return answer.error;
    onErased(answer.value, person);
    return undefined;
  }

  return (
    <FormDialog
      open={person !== undefined}
      title={`Erase ${person?.displayName ?? ''}?`}
      description="Their name and email address are removed everywhere, they are signed out and cannot sign in again, their videos and share links are deleted, and their chat messages show as from “a former member”. This cannot be undone."
      submitLabel="Erase"
      busyLabel="Erasing…"
      danger
      onOpen={() => setChoice(heirs.length > 0 ? 'reassign' : 'delete')}
      onSubmit={erase}
      onClose={onClose}
    >
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
        <label class="visually-hidden" for={heirField}>
          Member who receives the POCs
        </label>
        <select id={heirField} name="heir" disabled={choice !== 'reassign'} required={choice === 'reassign'}>
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
    </FormDialog>
  );
}
