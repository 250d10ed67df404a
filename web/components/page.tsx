/**
 * A page's frame: sets the document title and moves focus to the heading on
 * arrival, so keyboard and screen-reader users start at the new content.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export function Page(
  props: { title: string; actions?: ComponentChildren; children: ComponentChildren },
) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Hangar`;
  }, [props.title]);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="page">
      <div class="page-head">
        <h1 ref={heading} tabIndex={-1}>{props.title}</h1>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}
