/**
 * `deno task build:web`: bundles the admin page (web/main.tsx) for the browser
 * into web/dist/ with index.html and styles.css. Asset names carry a content
 * hash so the server can let browsers cache them forever; index.html is
 * rewritten to point at them. Everything is local: the page loads nothing
 * from elsewhere.
 *
 * The new dist is assembled beside the old one and swapped in, so a running
 * server never sees a half-written folder.
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const WEB = `${ROOT}web`;
export const DEFAULT_OUT_DIR = `${WEB}/dist`;

export interface BuildResult {
  outDir: string;
  files: Record<string, number>;
}

function hashed(name: string, data: Uint8Array): string {
  const hash = createHash("sha256").update(data).digest("hex").slice(0, 10);
  const dot = name.lastIndexOf(".");
  return `${name.slice(0, dot)}-${hash}${name.slice(dot)}`;
}

async function bundle(outFile: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", "--minify", "--output", outFile, `${WEB}/main.tsx`],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle failed (exit ${code}):\n${new TextDecoder().decode(stderr)}`);
  }
}

/** Builds the page into `outDir` (web/dist by default) and returns the file sizes. */
export async function buildWeb(outDir = DEFAULT_OUT_DIR): Promise<BuildResult> {
  const stage = `${outDir}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(stage, { recursive: true });
  try {
    await bundle(`${stage}/bundle.js`);
    const js = await Deno.readFile(`${stage}/bundle.js`);
    await Deno.remove(`${stage}/bundle.js`);
    const css = await Deno.readFile(`${WEB}/styles.css`);
    const jsName = hashed("main.js", js);
    const cssName = hashed("styles.css", css);
    const template = await Deno.readTextFile(`${WEB}/index.html`);
    const html = template
      .replace(`"/admin/main.js"`, `"/admin/${jsName}"`)
      .replace(`"/admin/styles.css"`, `"/admin/${cssName}"`);
    if (!html.includes(jsName) || !html.includes(cssName)) {
      throw new Error("web/index.html must link /admin/main.js and /admin/styles.css");
    }
    const htmlBytes = new TextEncoder().encode(html);
    await Deno.writeFile(`${stage}/${jsName}`, js);
    await Deno.writeFile(`${stage}/${cssName}`, css);
    await Deno.writeFile(`${stage}/index.html`, htmlBytes);

    const old = `${outDir}.old-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.rename(outDir, old).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await Deno.rename(stage, outDir);
    await Deno.remove(old, { recursive: true }).catch(() => {});
    return {
      outDir,
      files: { "index.html": htmlBytes.length, [jsName]: js.length, [cssName]: css.length },
    };
  } catch (error) {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    throw error;
  }
}

if (import.meta.main) {
  try {
    const { outDir, files } = await buildWeb(Deno.args[0]);
    const list = Object.entries(files).map(([name, size]) => `${name} (${size} bytes)`);
    console.log(`Built the admin page into ${outDir}: ${list.join(", ")}`);
  } catch (error) {
    console.error(`build:web: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
