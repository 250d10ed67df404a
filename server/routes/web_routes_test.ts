import assert from "node:assert/strict";
import { CONTENT_SECURITY_POLICY, webRoutes } from "./web_routes.ts";

async function makeDist(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hangar-web-dist-" });
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>Hangar</title>");
  await Deno.writeTextFile(`${dir}/main-0123456789.js`, "console.log(1)");
  await Deno.writeTextFile(`${dir}/styles-abcdef0123.css`, "body{}");
  return dir;
}

Deno.test("webRoutes serves the built admin page", async (t) => {
  const dir = await makeDist();
  const app = webRoutes({ distDir: dir });
  try {
    await t.step("/ and /admin redirect to /admin/", async () => {
      for (const path of ["/", "/admin"]) {
        const res = await app.request(path);
        assert.equal(res.status, 302);
        assert.equal(res.headers.get("location"), "/admin/");
      }
    });

    await t.step("client routes get index.html with a strict CSP, revalidated", async () => {
      for (const path of ["/admin/", "/admin/agent-versions", "/admin/computers/abc-123"]) {
        const res = await app.request(path);
        assert.equal(res.status, 200, path);
        assert.match(await res.text(), /<title>Hangar<\/title>/);
        assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
        assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
        assert.equal(res.headers.get("cache-control"), "no-cache");
      }
    });

    await t.step("hashed assets are served with their type and cached for good", async () => {
      const js = await app.request("/admin/main-0123456789.js");
      assert.equal(js.status, 200);
      assert.equal(await js.text(), "console.log(1)");
      assert.match(js.headers.get("content-type")!, /^text\/javascript/);
      assert.match(js.headers.get("cache-control")!, /immutable/);
      const css = await app.request("/admin/styles-abcdef0123.css");
      assert.match(css.headers.get("content-type")!, /^text\/css/);
    });

    await t.step("a missing file or a path outside dist is a 404, never index.html", async () => {
      for (const path of ["/admin/main-ffffffffff.js", "/admin/..%2F..%2Fetc%2Fpasswd.txt"]) {
        const res = await app.request(path);
        assert.equal(res.status, 404, path);
        assert.doesNotMatch(await res.text(), /<title>/);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("webRoutes answers 503 naming the build command when web/dist is missing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hangar-web-missing-" });
  try {
    const res = await webRoutes({ distDir: `${dir}/dist` }).request("/admin/computers");
    assert.equal(res.status, 503);
    assert.match(await res.text(), /deno task build:web/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
