import type { ComponentChildren, ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AccountPage } from './pages/account-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { returningFromCompanySignIn } from './company-sign-in.ts';
import { CompanySignInPage } from './pages/company-sign-in-page.tsx';
import { PocDetailPage } from './pages/poc-detail-page.tsx';
import { PocListPage } from './pages/poc-list-page.tsx';
import { ReportsPage } from './pages/reports-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { UsersPage } from './pages/users-page.tsx';
import { VideosPage } from './pages/videos-page.tsx';
import { currentPath, navigate, parseRoute, type Route, useRoute } from './router.ts';
import { api, useSession } from './session.ts';
import { TeamWelcome } from './team-welcome.tsx';

export function App() {
  const route = useRoute();
  const session = useSession();

  useEffect(() => {
    // The address, not `route`: "Sign out" moves to the form before its hashchange event has arrived.
    if (session || parseRoute(location.hash).name === 'signin' || returningFromCompanySignIn()) return;
    // Signed out here or in another tab, or the session ended: the sign-in form says why and returns to
    // this page. An invitation link names the team (`#/dojos/abc?tenant=acme`): the form chooses it.
    const [path = '/', query = ''] = currentPath().split('?');
    const tenant = new URLSearchParams(query).get('tenant');
    navigate(`/signin?${tenant ? `tenant=${encodeURIComponent(tenant)}&` : ''}next=${encodeURIComponent(path)}`);
  }, [session, route.name]);

  if (route.name === 'signin') return <SignInPage tenant={route.tenant} next={route.next} />;
  // Back from the company's provider (`/?code=…&state=…`), signed in or not: the sign-in page redeems it.
  if (returningFromCompanySignIn()) return <SignInPage tenant={undefined} next={undefined} />;
  if (!session) return null;
  return <Layout route={route}>{page(route)}</Layout>;
}

function page(route: Exclude<Route, { name: 'signin' }>) {
  switch (route.name) {
    case 'pocs':
      return <PocListPage search={route.search} />;
    case 'poc':
      return <PocDetailPage id={route.id} />;
    case 'dojo':
      return <LazyDojoPage key={route.id} id={route.id} />;
    case 'users':
      return <UsersPage />;
    case 'companySignIn':
      return <CompanySignInPage />;
    case 'reports':
      return <ReportsPage />;
    case 'videos':
      return <VideosPage />;
    case 'audit':
      return <AuditPage />;
    case 'account':
      return <AccountPage />;
    case 'notFound':
      return <NotFoundPage path={route.path} />;
  }
}

/** The dojo room (CodeMirror, Yjs, the providers) loads only when someone opens a dojo. */
function LazyDojoPage({ id }: { id: string }) {
  const [Page, setPage] = useState<ComponentType<{ id: string }> | undefined>();
  useEffect(() => {
    void import('./dojo/dojo-page.tsx').then((module) => setPage(() => module.DojoPage));
  }, []);
  return Page ? <Page id={id} /> : <p class="page muted">Loading the dojo…</p>;
}

function Layout({ route, children }: { route: Route; children: ComponentChildren }) {
  const session = useSession();
  if (!session) return null;
  const isAdmin = session.user.roles.includes('admin');
  const link = (href: string, label: string, active: boolean) => (
    <a href={`#${href}`} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <div class={route.name === 'dojo' ? 'shell shell-wide' : 'shell'}>
      <a
        class="skip-link"
        href="#main"
        onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/pocs">
          POC Dojo
        </a>
        <nav aria-label="Main">
          {link('/pocs', 'POCs', route.name === 'pocs' || route.name === 'poc')}
          {isAdmin && link('/users', 'Users', route.name === 'users')}
          {isAdmin && link('/company-sign-in', 'Sign-in', route.name === 'companySignIn')}
          {link('/reports', 'Reports', route.name === 'reports')}
          {link('/videos', 'Videos', route.name === 'videos')}
          {isAdmin && link('/audit', 'Audit', route.name === 'audit')}
        </nav>
        <div class="account">
          <a
            class="muted"
            href="#/account"
            title={session.user.email}
            aria-current={route.name === 'account' ? 'page' : undefined}
          >
            {session.user.displayName} · {session.tenant.name}
          </a>
          <button
            type="button"
            class="link-button"
            // To the form first: the page left behind is not where this person wants to come back to.
            onClick={() => (navigate('/signin'), void api.logout())}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <TeamWelcome tenant={session.tenant} />
        {children}
      </main>
    </div>
  );
}
