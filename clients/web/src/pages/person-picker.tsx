import type { User } from '@pocdojo/sdk/api-client';
import { useEffect, useState } from 'preact/hooks';
import { api, useSession } from '../session.ts';

/** Year and (for admins) whose figures: the whole team or one person. Others always see themselves. */
export function YearAndPerson({
  year,
  userId,
  onChange,
  allowTeam,
}: {
  year: number;
  userId: string | undefined;
  onChange: (year: number, userId: string | undefined) => void;
  allowTeam: boolean;
}) {
  const session = useSession();
  const isAdmin = session?.user.roles.includes('admin') ?? false;
  const [users, setUsers] = useState<User[]>([]);
  useEffect(() => {
    if (isAdmin) void api.listUsers().then((answer) => answer.ok && setUsers(answer.value));
  }, [isAdmin]);
  const thisYear = new Date().getFullYear();
  return (
    <div class="field-row">
      <div class="field">
        <label for="year">Year</label>
        <select
          id="year"
          value={String(year)}
          onChange={(event) => onChange(Number(event.currentTarget.value), userId)}
        >
          {Array.from({ length: 6 }, (_, index) => thisYear - index).map((value) => (
            <option value={String(value)}>{value}</option>
          ))}
        </select>
      </div>
      {isAdmin && (
        <div class="field">
          <label for="person">Person</label>
          <select
            id="person"
            value={userId ?? ''}
            onChange={(event) => onChange(year, event.currentTarget.value || undefined)}
          >
            {allowTeam ? <option value="">Whole team</option> : <option value="">Me</option>}
            {users.map((user) => (
              <option value={user.id}>{user.displayName}</option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}
