/**
 * Keeps a page current. The server's admin WebSocket (`/api/admin/ws`) says
 * when computers or versions change; while it is not connected (not yet, or
 * the server is restarting) the page polls every 5 s instead, so online
 * status never lags more than that.
 */
import { useEffect, useRef } from "preact/hooks";
import type { WsMessage } from "../protocol/events.ts";

export const POLL_MS = 5_000;
/** Even with the socket open, refresh now and then so "last seen" stays honest. */
const IDLE_REFRESH_MS = 30_000;

export function useLiveUpdates(events: readonly string[], reload: () => void): void {
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const key = events.join(",");

  useEffect(() => {
    let socket: WebSocket | null = null;
    let open = false;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let lastReload = Date.now();
    const refresh = () => {
      lastReload = Date.now();
      reloadRef.current();
    };

    function connect() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/api/admin/ws`);
      socket.onopen = () => {
        open = true;
        refresh(); // catch up on what changed while disconnected
      };
      socket.onmessage = (e) => {
        try {
          const message = JSON.parse(String(e.data)) as WsMessage;
          if (key.split(",").includes(message.event)) refresh();
        } catch {
          // Not one of ours; ignore.
        }
      };
      socket.onclose = () => {
        open = false;
        if (!stopped) retry = setTimeout(connect, POLL_MS);
      };
    }

    const timer = setInterval(() => {
      const quiet = Date.now() - lastReload;
      if ((!open && quiet >= POLL_MS - 100) || quiet >= IDLE_REFRESH_MS) refresh();
    }, 1_000);
    connect();
    return () => {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      socket?.close();
    };
  }, [key]);
}
