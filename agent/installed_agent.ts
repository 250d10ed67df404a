/**
 * After recovery finished an interrupted update, the files on disk may be
 * another version than the code of this process (it was loaded before the
 * recovery rolled the files back or forward). Then this process must not run:
 * it starts the installed agent instead and steps aside.
 */
import { join } from "node:path";
import { launcherPath, readInstalledManifest } from "../package/mod.ts";
import { parseSupervisorKind, SUPERVISOR_ENV } from "../host/supervisor.ts";

/**
 * Starts the installed agent, detached (or leaves that to the supervisor), when the installed version differs
 * from `runningVersion`; returns the version it started, or null when this
 * process is the installed version (or nothing installed can be told apart).
 */
export async function startInstalledAgentIfOther(
  installDir: string,
  runningVersion: string,
): Promise<string | null> {
  const manifest = await readInstalledManifest(installDir);
  if (!manifest || manifest.version === runningVersion) return null;
  // A supervised agent just exits: its supervisor starts the installed version, and only it.
  if (parseSupervisorKind(Deno.env.get(SUPERVISOR_ENV)) !== "detached") return manifest.version;
  const launcher = join(installDir, launcherPath(manifest, manifest.agent));
  const child = new Deno.Command(launcher, {
    args: ["run", "--install-dir", installDir],
    cwd: installDir,
    detached: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return manifest.version;
}
