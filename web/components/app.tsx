/** The page shell: who is signed in, the navigation, and which page to show. */
import { useEffect, useState } from "preact/hooks";
import { logout, setUnauthorizedHandler } from "../api.ts";
import { AgentVersionManagement } from "../pages/agent_version_management.tsx";
import { ApiTokens } from "../pages/api_tokens.tsx";
import { AuditPage } from "../pages/audit_page.tsx";
import { ComputerDetail } from "../pages/computer_detail.tsx";
import { ErrorsPage } from "../pages/errors_page.tsx";
import { FleetPage } from "../pages/fleet_page.tsx";
import { LoginPage } from "../pages/login_page.tsx";
import { RolloutDetail } from "../pages/rollout_detail.tsx";
import { RolloutsPage } from "../pages/rollouts_page.tsx";
import { BASE, Link, matchPath, navigate, usePath } from "../router.tsx";
import {
  clearSession,
  EXPIRED_MESSAGE,
  loadSession,
  type PageSession,
  sessionExpired,
} from "../session.ts";
import { Page } from "./page.tsx";
import { Redirect } from "./redirect.tsx";

const LOGIN = `${BASE}/login`;
const HOME = `${BASE}/computers`;

function loginPath(from: string): string {
  return from.startsWith(`${BASE}/`) && from !== LOGIN
    ? `${LOGIN}?next=${encodeURIComponent(from)}`
    : LOGIN;
}

export function App() {
  const path = usePath();
  const [session, setSession] = useState<PageSession | null>(() => loadSession());
  const [loginMessage, setLoginMessage] = useState<string | null>(
    () => sessionExpired() ? EXPIRED_MESSAGE : null,
  );

  useEffect(() => {
    setUnauthorizedHandler(() => {
      clearSession();
      setSession(null);
      setLoginMessage(EXPIRED_MESSAGE);
      navigate(loginPath(location.pathname), { replace: true });
    });
  }, []);

  async function signOut() {
    await logout().catch(() => {}); // the page forgets the session either way
    clearSession();
    setSession(null);
    setLoginMessage("You have signed out");
    navigate(LOGIN);
  }

  if (path === LOGIN) {
    if (session) return <Redirect to={HOME} />;
    return (
      <LoginPage
        message={loginMessage}
        onSignedIn={(s) => {
          setSession(s);
          setLoginMessage(null);
          const next = new URLSearchParams(location.search).get("next");
          navigate(next?.startsWith(`${BASE}/`) ? next : HOME, { replace: true });
        }}
      />
    );
  }
  if (!session) return <Redirect to={loginPath(path)} />;

  const isAdmin = session.user.role === "admin";
  const computer = matchPath(`${BASE}/computers/:id`, path);
  const rollout = matchPath(`${BASE}/rollouts/:id`, path);
  let content;
  if (path === BASE || path === `${BASE}/`) content = <Redirect to={HOME} />;
  else if (path === HOME) content = <FleetPage />;
  else if (computer) content = <ComputerDetail computerId={computer.id} />;
  else if (path === `${BASE}/agent-versions`) {
    content = isAdmin ? <AgentVersionManagement /> : (
      <Page title="Agent versions">
        <p>Only admins can manage agent versions.</p>
      </Page>
    );
  } else if (path === `${BASE}/rollouts` && isAdmin) {
    content = <RolloutsPage />;
  } else if (rollout && isAdmin) {
    content = <RolloutDetail rolloutId={rollout.id} />;
  } else if (path === `${BASE}/errors`) {
    content = <ErrorsPage />;
  } else if (path === `${BASE}/audit` && isAdmin) {
    content = <AuditPage />;
  } else if (path === `${BASE}/api-tokens` && isAdmin) {
    content = <ApiTokens />;
  } else {
    content = (
      <Page title="Page not found">
        <p>
          There is no page at <code>{path}</code>. <Link href={HOME}>Go to computers</Link>.
        </p>
      </Page>
    );
  }

  const navLink = (href: string, label: string) => (
    <Link href={href} aria-current={path.startsWith(href) ? "page" : undefined}>{label}</Link>
  );
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="top">
        <Link href={HOME} class="brand">Hangar</Link>
        <nav aria-label="Main">
          {navLink(HOME, "Fleet")}
          {isAdmin && navLink(`${BASE}/rollouts`, "Rollouts")}
          {navLink(`${BASE}/errors`, "Errors")}
          {isAdmin && navLink(`${BASE}/agent-versions`, "Agent versions")}
          {isAdmin && navLink(`${BASE}/audit`, "Audit log")}
          {isAdmin && navLink(`${BASE}/api-tokens`, "API tokens")}
        </nav>
        <div class="who">
          <span class="muted">{session.user.username}</span>
          <button type="button" class="small" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main">{content}</main>
    </>
  );
}
