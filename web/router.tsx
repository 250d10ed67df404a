/**
 * Client-side routing with the History API under `/admin/`. The server answers
 * every `/admin/*` path with index.html, so a reload or a shared link lands on
 * the same page.
 */
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useState } from "preact/hooks";

export const BASE = "/admin";

/** The current path, re-rendering on back/forward and on navigate(). */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  // A layout effect, so the listener is in place before any child's effect
  // navigates; and catch up in case one already did.
  useLayoutEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener("popstate", update);
    update();
    return () => removeEventListener("popstate", update);
  }, []);
  return path;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** Matches `/admin/computers/:id`-style patterns; returns the params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

interface LinkProps {
  href: string;
  class?: string;
  children: ComponentChildren;
  "aria-current"?: "page";
}

/** An ordinary link (it opens in a new tab on ctrl/middle click) that routes in-page. */
export function Link(props: LinkProps) {
  function onClick(e: MouseEvent) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    e.preventDefault();
    navigate(props.href);
  }
  return <a {...props} onClick={onClick}>{props.children}</a>;
}
