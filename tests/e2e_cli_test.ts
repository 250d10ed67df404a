/**
 * The admin CLI (`deno run tools/hangar.ts`, as `deno task hangar` runs it) as
 * a child process against a real server process: an admin makes a token with
 * it, the token uploads versions and marks one stable, outdated computers come
 * back as JSON that parses, a staged rollout starts and is steered, a computer
 * is moved to another group, errors are resolved; every
 * command's --help runs; exit codes tell a script what went wrong.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makePackage } from "./helpers/make_package.ts";
import { registerAgent, startServer, type TestServer } from "./helpers/server_process.ts";
import { COMMANDS } from "../tools/hangar.ts";

const HANGAR_MAIN = fileURLToPath(new URL("../tools/hangar.ts", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function hangar(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", HANGAR_MAIN, ...args],
    env: { NO_COLOR: "1", HANGAR_API_TOKEN: "", HANGAR_TOKEN: "", HANGAR_SERVER: "", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

function show(run: Run): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

/** Runs a command that must succeed with --json; returns the parsed output. */
async function json<T>(args: string[], env: Record<string, string>): Promise<T> {
  const run = await hangar([...args, "--json"], env);
  assert.equal(run.code, 0, show(run));
  return JSON.parse(run.stdout) as T;
}

async function reportError(server: TestServer, agent: { agent_id: string; agent_token: string }) {
  const res = await fetch(`${server.url}/api/agent/report-error`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "agent-id": agent.agent_id,
      "agent-token": agent.agent_token,
    },
    body: JSON.stringify({
      error_type: "UpdateDownloadFailed",
      message: "Connection reset",
      timestamp: new Date().toISOString(),
      agent_version: "0.9.0",
    }),
  });
  assert.equal(res.status, 204);
}

Deno.test("e2e: the hangar CLI drives a real server with an API token", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "hangar-e2e-cli-" });
  const server = await startServer();
  try {
    const asAdmin = { HANGAR_SERVER: server.url, HANGAR_TOKEN: server.adminToken };
    let env: Record<string, string> = {};

    await t.step("an admin creates a token; --json output parses", async () => {
      const created = await json<{ token: string; scopes: string[] }>(
        [
          "tokens",
          "create",
          "--name",
          "ops-script",
          "--scope",
          "versions:write",
          "--scope",
          "fleet:write",
        ],
        asAdmin,
      );
      assert.match(created.token, /^hgr_/);
      env = { HANGAR_API_TOKEN: created.token };
      const human = await hangar(["tokens", "list", "--server", server.url], asAdmin);
      assert.equal(human.code, 0, show(human));
      assert.match(human.stdout, /^NAME\s+SCOPES/m);
      assert.match(human.stdout, /ops-script\s+versions:write fleet:write/);
      assert.ok(!human.stdout.includes(created.token.slice(4)), "the secret is not listed");
    });

    await t.step("the token uploads two versions and marks the first stable", async () => {
      for (const version of ["1.0.0", "1.1.0"]) {
        const zip = join(tmp, `hangar-agent-${version}.zip`);
        await makePackage(
          { version, files: { agent: "#!/bin/sh\n", updater: "#!/bin/sh\n" } },
          zip,
        );
        const record = await json<{ version: string; id: string }>(
          ["versions", "upload", zip, "--version", version, "--server", server.url],
          env,
        );
        assert.equal(record.version, version);
        if (version === "1.0.0") {
          const stable = await json<{ is_stable: boolean }>(
            ["versions", "stable", record.id, "--server", server.url],
            env,
          );
          assert.equal(stable.is_stable, true);
        }
      }
      const list = await hangar(["versions", "list", "--server", server.url], env);
      assert.match(list.stdout, /^1\.1\.0\s/m);
      assert.match(list.stdout, /^1\.0\.0\s+stable/m);
    });

    await t.step("outdated computers come back as JSON that parses", async () => {
      const old1 = await registerAgent(server, "lab-01", "0.9.0");
      await registerAgent(server, "lab-02", "1.0.0");
      await reportError(server, old1);
      const page = await json<{ items: { hostname: string }[]; total: number }>(
        ["computers", "list", "--outdated", "--server", server.url],
        { ...env, HANGAR_SERVER: "" },
      );
      assert.deepEqual(page.items.map((c) => c.hostname), ["lab-01"]);
      assert.equal(page.total, 1);
      const human = await hangar([
        "computers",
        "list",
        "--sort",
        "hostname",
        "--server",
        server.url,
      ], env);
      assert.match(human.stdout, /^lab-01\s+0\.9\.0/m);
      assert.match(human.stdout, /2 of 2 computers/);
    });

    await t.step("a staged rollout of 1.1.0 starts, pauses, resumes and is shown", async () => {
      const started = await json<
        { id: string; status: string; version: string; stages: unknown[] }
      >(
        [
          "rollouts",
          "start",
          "--version",
          "1.1.0",
          "--stage",
          "group=lab,wait=1h",
          "--stage",
          "100%",
          "--server",
          server.url,
        ],
        env,
      );
      assert.equal(started.status, "running");
      assert.equal(started.version, "1.1.0");
      assert.equal(started.stages.length, 2);
      const paused = await json<{ status: string }>([
        "rollouts",
        "pause",
        started.id,
        "--server",
        server.url,
      ], env);
      assert.equal(paused.status, "paused");
      const resumed = await json<{ status: string }>([
        "rollouts",
        "resume",
        started.id,
        "--server",
        server.url,
      ], env);
      assert.equal(resumed.status, "running");
      const shown = await hangar(["rollouts", "show", started.id, "--server", server.url], env);
      assert.equal(shown.code, 0, show(shown));
      assert.match(shown.stdout, /^status:\s+running$/m);
      assert.match(shown.stdout, /^stage:\s+1 of 2$/m);
      const unknown = await hangar([
        "rollouts",
        "pause",
        crypto.randomUUID(),
        "--server",
        server.url,
      ], env);
      assert.equal(unknown.code, 4, show(unknown));
      const badStage = await hangar([
        "rollouts",
        "start",
        "--version",
        "1.1.0",
        "--stage",
        "wait=1h",
      ], env);
      assert.equal(badStage.code, 2, show(badStage));
    });

    await t.step("a computer's group and pin change with computers patch", async () => {
      const page = await json<{ items: { id: string; hostname: string }[] }>(
        ["computers", "list", "--search", "LAB-02", "--server", server.url],
        env,
      );
      assert.deepEqual(page.items.map((c) => c.hostname), ["lab-02"]);
      const patched = await json<{ group: string; pinned_version: string | null }>(
        [
          "computers",
          "patch",
          page.items[0].id,
          "--group",
          "canary",
          "--pin",
          "1.0.0",
          "--server",
          server.url,
        ],
        env,
      );
      assert.equal(patched.group, "canary");
      assert.equal(patched.pinned_version, "1.0.0");
      const shown = await hangar(
        ["computers", "show", page.items[0].id, "--server", server.url],
        env,
      );
      assert.match(shown.stdout, /^group:\s+canary$/m, show(shown));
      assert.match(shown.stdout, /^pinned version:\s+1\.0\.0$/m);
      const both = await hangar([
        "computers",
        "patch",
        page.items[0].id,
        "--pin",
        "1.0.0",
        "--unpin",
      ], env);
      assert.equal(both.code, 2, show(both));
    });

    await t.step(
      "errors: listed as JSON, resolved by id and with --all, named in the audit log",
      async () => {
        const computers = await json<{ items: { id: string; hostname: string }[] }>(
          ["computers", "list", "--server", server.url],
          env,
        );
        const lab01 = computers.items.find((c) => c.hostname === "lab-01")!;
        const agent = await registerAgent(server, "lab-03", "0.9.0");
        await reportError(server, agent);
        await reportError(server, agent);
        const open = await json<{ items: { id: string; computer_id: string; hostname: string }[] }>(
          ["errors", "list", "--server", server.url],
          env,
        );
        assert.equal(open.items.length, 3);
        const first = open.items.find((e) => e.computer_id === lab01.id)!;
        const one = await json<{ resolved: number }>(
          [
            "errors",
            "resolve",
            `${first.computer_id}:${first.id}`,
            "--notes",
            "Checked",
            "--server",
            server.url,
          ],
          env,
        );
        assert.equal(one.resolved, 1);
        const rest = await hangar(
          [
            "errors",
            "resolve",
            "--all",
            "--type",
            "UpdateDownloadFailed",
            "--notes",
            "Proxy fixed",
            "--server",
            server.url,
          ],
          env,
        );
        assert.equal(rest.code, 0, show(rest));
        assert.match(rest.stdout, /^Resolved 2 errors/);
        const left = await json<{ items: unknown[] }>(
          ["errors", "list", "--server", server.url],
          env,
        );
        assert.deepEqual(left.items, []);
        const audit = await json<{ items: { actor: string; action: string }[] }>(
          ["audit", "--actor", "token:ops-script", "--server", server.url],
          asAdmin,
        );
        const actions = audit.items.map((e) => e.action);
        assert.ok(actions.includes("error.resolve"), actions.join(", "));
        assert.ok(actions.includes("version.upload"), actions.join(", "));
        assert.ok(actions.includes("rollout.create"), actions.join(", "));
        assert.ok(actions.includes("computer.update"), actions.join(", "));
      },
    );

    await t.step("exit codes: usage 2, missing scope 3, not found 4, unreachable 5", async () => {
      const usage = await hangar(["computers", "list", "--status", "--bogus"], {
        ...env,
        HANGAR_SERVER: server.url,
      });
      assert.equal(usage.code, 2, show(usage));
      const scope = await hangar(["tokens", "list", "--server", server.url], env);
      assert.equal(scope.code, 3, show(scope));
      assert.match(scope.stderr, /lacks the scope "admin"/);
      const missing = await hangar([
        "computers",
        "show",
        crypto.randomUUID(),
        "--server",
        server.url,
      ], env);
      assert.equal(missing.code, 4, show(missing));
      const badValue = await hangar([
        "computers",
        "list",
        "--status",
        "asleep",
        "--server",
        server.url,
      ], env);
      assert.equal(badValue.code, 1, show(badValue));
      assert.match(badValue.stderr, /400 validation_failed/);
      const closed = await hangar(["versions", "list", "--server", "http://127.0.0.1:9"], env);
      assert.equal(closed.code, 5, show(closed));
      const noToken = await hangar(["versions", "list", "--server", server.url, "--json"]);
      assert.equal(noToken.code, 2);
      assert.equal(JSON.parse(noToken.stderr).error.exit_code, 2);
    });

    await t.step("every command's --help runs", async () => {
      const runs = await Promise.all([
        hangar(["--help"]),
        ...COMMANDS.map((c) => hangar([c.noun, c.verb, "--help"])),
      ]);
      for (const run of runs) {
        assert.equal(run.code, 0, show(run));
        assert.match(run.stdout, /^Usage: deno task hangar /);
      }
    });
  } finally {
    await server.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});
