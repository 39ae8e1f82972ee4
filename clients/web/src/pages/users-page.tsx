import type { ApiError, ErasureResult, User } from '@pocdojo/sdk/api-client';
import { isErasedEmail } from '@pocdojo/shared/contract/personal-data';
import { mayManageMembers } from '@pocdojo/shared/contract/permissions';
import { useEffect, useState } from 'preact/hooks';
import { Field, FormError } from '../form-field.tsx';
import { api, useSession } from '../session.ts';
import { ChangeRolesDialog } from './change-roles-dialog.tsx';
import { ErasePersonDialog } from './erase-person-dialog.tsx';

const assignable: User['roles'] = ['admin', 'facilitator', 'participant', 'observer'];

/** Admins add people to their team; everyone signs in with their email address. */
export function UsersPage() {
  const session = useSession();
  if (!mayManageMembers(session?.user.roles ?? []))
    return (
      <section class="page">
        <h1>Team members</h1>
        <p>Only the team's admins see and add its members. Ask one of them to add someone or change a role.</p>
      </section>
    );
  return <TeamMembers />;
}

function TeamMembers() {
  const session = useSession();
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<ApiError | undefined>();
  const [formError, setFormError] = useState<ApiError | undefined>();
  const [added, setAdded] = useState<string | undefined>();
  const [erasing, setErasing] = useState<User | undefined>();
  const [changing, setChanging] = useState<User | undefined>();
  const [done, setDone] = useState<string | undefined>();

  const load = () =>
    void api.listUsers().then((answer) => (answer.ok ? setUsers(answer.value) : setError(answer.error)));
  useEffect(load, []);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const roles = assignable.filter((role) => form.get(`role-${role}`) === 'on');
    const answer = await api.createUser({
      email: String(form.get('email') ?? '').trim(),
      displayName: String(form.get('displayName') ?? '').trim(),
      password: String(form.get('password') ?? ''),
      roles: roles.length ? roles : ['participant'],
    });
    if (!answer.ok) return setFormError(answer.error);
    setFormError(undefined);
    setAdded(answer.value.email);
    formElement.reset();
    load();
  }

  return (
    <section class="page">
      <h1>Team members</h1>
      <p class="muted">
        People sign in with their email address. The team’s address, which invitation links carry, is{' '}
        <code>{session?.tenant.slug}</code>.
      </p>
      <FormError message={error?.message} />
      <table class="table">
        <caption class="visually-hidden">Users of this team</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Roles</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr>
              <td>{user.displayName}</td>
              <td>{user.email}</td>
              <td>{user.roles.join(', ')}</td>
              <td class="row-actions">
                {!isErasedEmail(user.email) && (
                  <button type="button" class="link-button" onClick={() => setChanging(user)}>
                    Roles<span class="visually-hidden"> of {user.displayName}</span>
                  </button>
                )}
                {user.id !== session?.user.id && !isErasedEmail(user.email) && (
                  <button type="button" class="link-button" onClick={() => setErasing(user)}>
                    Erase<span class="visually-hidden"> {user.displayName}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {done && (
        <p role="status" class="success">
          {done}
        </p>
      )}
      <ChangeRolesDialog
        person={changing}
        assignable={assignable}
        onChanged={(person: User) => {
          setDone(`${person.displayName} is now ${person.roles.join(', ')}.`);
          load();
        }}
        onClose={() => setChanging(undefined)}
      />
      <ErasePersonDialog
        person={erasing}
        heirs={users.filter((user) => user.id !== erasing?.id && !isErasedEmail(user.email))}
        onErased={(result: ErasureResult, person: User) => {
          const pocs =
            result.pocsReassigned > 0
              ? `${result.pocsReassigned} POCs reassigned`
              : `${result.pocsDeleted} POCs deleted`;
          setDone(`${person.displayName} was erased: ${pocs}, ${result.videosRemoved} videos removed.`);
          load();
        }}
        onClose={() => setErasing(undefined)}
      />
      <form class="card" onSubmit={(event) => void submit(event)} aria-labelledby="add-user-title">
        <h2 id="add-user-title">Add a member</h2>
        <Field label="Name" name="displayName" required error={formError?.fields.displayName} />
        <Field label="Email" name="email" type="email" required error={formError?.fields.email} />
        <Field
          label="Initial password"
          name="password"
          type="password"
          required
          minLength={8}
          autoComplete="new-password"
          error={formError?.fields.password}
        />
        <fieldset class="roles">
          <legend>Roles</legend>
          {assignable.map((role) => (
            <label>
              <input type="checkbox" name={`role-${role}`} defaultChecked={role === 'participant'} /> {role}
            </label>
          ))}
        </fieldset>
        <FormError message={formError && !Object.keys(formError.fields).length ? formError.message : undefined} />
        {added && (
          <p role="status" class="success">
            Added {added}.
          </p>
        )}
        <button type="submit" class="primary">
          Add member
        </button>
      </form>
    </section>
  );
}
