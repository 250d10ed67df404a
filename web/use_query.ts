/**
 * The page's query string as state: filters live in the URL so a view can be
 * bookmarked and shared. Setting it replaces the history entry (typing in a
 * search box should not fill the back button).
 */
import { useCallback, useEffect, useState } from "preact/hooks";

export function useQuery(): [URLSearchParams, (next: Record<string, string | null>) => void] {
  const [search, setSearch] = useState(location.search);
  useEffect(() => {
    const update = () => setSearch(location.search);
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  const update = useCallback((next: Record<string, string | null>) => {
    const params = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(next)) {
      if (value === null || value === "") params.delete(key);
      else params.set(key, value);
    }
    const text = params.toString();
    history.replaceState(null, "", `${location.pathname}${text ? `?${text}` : ""}`);
    setSearch(location.search);
  }, []);
  return [new URLSearchParams(search), update];
}

/** Calls `fn` at most once per `ms`, the last call of a burst included (live reloads). */
export function throttle(fn: () => void, ms: number): () => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
    } else if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        fn();
      }, wait);
    }
  };
}
