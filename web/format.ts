/** Formatting shared by the pages: sizes, dates, checksums. */

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** 1536 → "1.5 KB" (powers of 1024, as file managers show). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** The local time zone's short name at `d` ("UTC", "CET", "GMT+7"). */
export function zoneName(d: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZoneName: "short", timeZone })
    .formatToParts(d);
  return parts.find((p) => p.type === "timeZoneName")?.value ?? "";
}

/** A local, unambiguous date and time with its zone, e.g. "2025-11-26 14:03 CET". */
export function formatDateTime(iso: string | null): string {
  if (!iso) return "never";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())} ${zoneName(d)}`.trimEnd();
}

/** "Last seen" of a computer: "connected" while online, else "5 min ago", or "never". */
export function formatLastSeen(online: boolean, iso: string | null, now = Date.now()): string {
  if (online) return "connected";
  return formatAgo(iso, now);
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(seconds)) return iso;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

/** The first 12 hex digits of a SHA-256: enough to tell packages apart at a glance. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}
