/** Replaces the current history entry with `to` (no back-button trap). */
import { useEffect } from "preact/hooks";
import { navigate } from "../router.tsx";

export function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, { replace: true }), [props.to]);
  return null;
}
