/**
 * update: one real agent (a portable package built by the release tool,
 * enrolled and running) is updated to a version whose package is 50 MiB.
 * Timed from the admin's "mark stable" until the server lists the computer
 * online on the new version, through the whole hand-over: the WebSocket
 * notice, check_update, download, verification, the updater, the new agent's
 * start and its first authenticated request.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { ComputerSummary } from "../../../protocol/mod.ts";
import { buildPackage, zipPackage } from "../../release/build_package.ts";
import { createManifest, writeManifest } from "../../release/manifest.ts";
import { AgentInstall } from "../agent_install.ts";
import { childFileLimit } from "../os_limits.ts";
import { MiB } from "../process.ts";
import { progress } from "../report.ts";
import { type Context, figure, wallMs } from "../scenario.ts";
import { type BenchServer, markStable, startBenchServer, uploadPackage } from "../server.ts";
import { fileURLToPath } from "node:url";

const NAME = "update";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A portable package of `version`, padded with a random `payload.bin` to about `mib` MiB. */
async function portablePackage(ctx: Context, version: string, mib: number): Promise<string> {
  const built = await buildPackage({
    root: ROOT,
    version,
    target: "portable",
    outDir: ctx.workDir,
  });
  if (mib === 0) return built.zipPath;
  const payload = await Deno.open(join(built.packageDir, "payload.bin"), {
    write: true,
    create: true,
  });
  for (let i = 0; i < mib; i++) await payload.write(randomBytes(MiB));
  payload.close();
  const manifest = await createManifest({
    ...built.manifest,
    dir: built.packageDir,
    files: [...built.manifest.files.map((f) => f.path), "payload.bin"],
  });
  await writeManifest(built.packageDir, manifest);
  await zipPackage(built.packageDir, built.zipPath);
  return built.zipPath;
}

async function computer(
  server: BenchServer,
  agentId: string,
): Promise<ComputerSummary | undefined> {
  const res = await fetch(`${server.url}/api/admin/computers`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  if (!res.ok) throw new Error(`GET /api/admin/computers: ${res.status}`);
  return (await res.json() as ComputerSummary[]).find((c) => c.agent_id === agentId);
}

/** Polls `check` every 50 ms until it is true; returns the wall time it first was, or throws. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return wallMs();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out after ${ms / 1000} s waiting for ${what}`);
}

export async function runUpdate(ctx: Context): Promise<void> {
  progress("building portable packages 1.0.0 and 1.1.0 with the release tool");
  const oldZip = await portablePackage(ctx, "1.0.0", 0);
  const newZip = await portablePackage(ctx, "1.1.0", ctx.scale.updateMiB);
  const server = await startBenchServer({ nofile: await childFileLimit(1000) });
  let agent: AgentInstall | null = null;
  try {
    const { record } = await uploadPackage(server, newZip, "1.1.0");
    agent = await AgentInstall.create(oldZip, server.url, server.enrollmentToken);
    const id = await agent.agentId();
    agent.start();
    const a = agent;
    await until(
      "the 1.0.0 agent online",
      60_000,
      async () =>
        (await a.healthVersion()) === "1.0.0" && (await computer(server, id))?.online === true,
    );
    const t0 = wallMs();
    await markStable(server, record.id);
    const healthy = until(
      "the 1.1.0 agent's health file",
      60_000,
      async () => (await a.healthVersion()) === "1.1.0",
    );
    const confirmed = await until(
      "the server to list the agent online on 1.1.0",
      60_000,
      async () => {
        const c = await computer(server, id);
        return c?.agent_version === "1.1.0" && c.online;
      },
    ).catch(async (error) => {
      throw new Error(`${error.message}\n${await a.logs()}`);
    });
    const healthyAt = await healthy;
    figure(ctx, NAME, {
      name: "update_time",
      value: (confirmed - t0) / 1000,
      unit: "s",
      target: { op: "<=", limit: 5 },
      note:
        `${(record.file_size / MiB).toFixed(0)} MiB portable package; new agent healthy after ` +
        `${((healthyAt - t0) / 1000).toFixed(2)} s`,
    });
  } finally {
    await agent?.stop();
    await server.stop();
  }
}
