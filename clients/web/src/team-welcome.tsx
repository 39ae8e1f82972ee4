/**
 * Shown once after a team is created: the address (slug) it really got, since invitation links and
 * scripts name the team by it, and why it differs from the name when another team already had that.
 */
import type { Tenant } from '@pocdojo/sdk/api-client';
import { useState } from 'preact/hooks';

let created: { slugSuffixed: boolean } | undefined;

/** Called by the sign-up form; the next `TeamWelcome` to mount shows the banner. */
export function welcomeNewTeam(slugSuffixed: boolean): void {
  created = { slugSuffixed };
}

export function TeamWelcome({ tenant }: { tenant: Tenant }) {
  const [shown, setShown] = useState(() => {
    const welcome = created;
    created = undefined;
    return welcome;
  });
  if (!shown) return null;
  return (
    <section class="team-welcome" aria-labelledby="team-welcome-title">
      <div>
        <h2 id="team-welcome-title">{tenant.name} is ready</h2>
        <p>
          Your team’s address is <code>{tenant.slug}</code>
          {shown.slugSuffixed ? ': another team already had this name, so a suffix was added.' : '.'} Invitation links
          carry it; teammates sign in with their email address alone.
        </p>
      </div>
      <button type="button" class="small" onClick={() => setShown(undefined)}>
        Dismiss
      </button>
    </section>
  );
}
