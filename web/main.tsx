/** Entry point of the admin page bundle (tools/build_web.ts bundles this file). */
import { render } from "preact";
import { App } from "./components/app.tsx";

render(<App />, document.getElementById("app")!);
