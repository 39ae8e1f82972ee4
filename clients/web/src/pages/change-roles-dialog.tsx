/**
 * The admin's change of a member's roles (a FormDialog: modal, Cancel first). The roles are checkboxes in
 * a fieldset with its legend; at least one must stay checked. The member's sessions pick the new roles up
 * at their next request: the tokens they hold are revoked and their app refreshes.
 */
import type { User } from '@pocdojo/sdk/api-client';
import { useState } from 'preact/hooks';
import { FormDialog } from '../form-dialog.tsx';
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
  const [roles, setRoles] = useState<User['roles']>([]);

  const toggle = (role: User['roles'][number], checked: boolean) =>
    setRoles((current) => (checked ? [...current, role] : current.filter((held) => held !== role)));

  async function save() {
    if (!person) return undefined;
    const answer = await api.changeRoles(
      person.id,
      assignable.filter((role) => roles.includes(role)),
    );
    if (!answer.ok) return answer.error;
    onChanged(answer.value);
    return undefined;
  }

  return (
    <FormDialog
      open={person !== undefined}
      title={`Roles of ${person?.displayName ?? ''}`}
      description="They keep working without signing in again, with the new roles from their next step. Their dojos follow the new role (at once where they are connected), except where a facilitator gave them a role in a dojo: that one stays until a facilitator changes it there."
      submitLabel="Save roles"
      busyLabel="Saving…"
      canSubmit={roles.length > 0}
      onOpen={() => setRoles(person?.roles ?? [])}
      onSubmit={save}
      onClose={onClose}
    >
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
    </FormDialog>
  );
}
