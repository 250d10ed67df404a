/** Sign-in form. The server sets the session cookie; the page keeps only who signed in. */
import { useEffect, useRef, useState } from "preact/hooks";
import { login } from "../api.ts";
import { type PageSession, saveSession } from "../session.ts";

interface LoginPageProps {
  message: string | null;
  onSignedIn: (session: PageSession) => void;
}

export function LoginPage(props: LoginPageProps) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = "Sign in · Hangar";
    first.current?.focus();
  }, []);

  async function onSubmit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(saveSession(await login(username.trim(), password)));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <main id="main" class="login">
      <form class="card login-card" onSubmit={onSubmit} aria-labelledby="login-title">
        <h1 id="login-title">Hangar</h1>
        <p class="muted">Sign in to manage your agents.</p>
        {props.message && !error && <p class="notice notice-info" role="status">{props.message}</p>}
        {error && <p class="notice notice-error" role="alert">{error}</p>}
        <label for="username">Username</label>
        <input
          id="username"
          ref={first}
          name="username"
          autocomplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
