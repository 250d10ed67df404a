/**
 * Who is signed in, as far as the page knows. The session itself is the
 * HttpOnly cookie; this keeps only the user and expiry (in localStorage, so a
 * new tab knows too) to decide whether to show the login page first.
 */
import type { AdminUser, LoginResponse } from "../protocol/schemas.ts";

const KEY = "hangar.session";

export interface PageSession {
  user: AdminUser;
  expires_at: string;
}

export const EXPIRED_MESSAGE = "Your session has expired, please sign in again";

export function loadSession(now = Date.now()): PageSession | null {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? "null") as PageSession | null;
    if (!stored?.user || Date.parse(stored.expires_at) <= now) return null;
    return stored;
  } catch {
    return null;
  }
}

/** True when a session was stored but its time is up (so the login page can say why). */
export function sessionExpired(now = Date.now()): boolean {
  const raw = localStorage.getItem(KEY);
  return raw !== null && loadSession(now) === null;
}

export function saveSession(reply: LoginResponse): PageSession {
  const session = { user: reply.user, expires_at: reply.expires_at };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}
