/**
 * A private PostgreSQL cluster for tests that stop and start the database
 * (the shared one on :5432 serves other tests). initdb into a temporary data
 * dir on a free port, trust auth, run as the `postgres` user (PostgreSQL
 * refuses to run as root). Needs /usr/lib/postgresql/15/bin and either root
 * (to switch user with runuser) or to be the postgres user already.
 */
import { join } from "node:path";
import { freePort } from "../../tools/process.ts";

const BIN = "/usr/lib/postgresql/15/bin";

/** Why a private cluster cannot run here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  try {
    Deno.statSync(join(BIN, "initdb"));
  } catch {
    return `no PostgreSQL binaries in ${BIN}`;
  }
  const uid = Deno.uid();
  if (uid !== 0 && Deno.env.get("USER") !== "postgres") return "needs root or the postgres user";
  return null;
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and removes its data dir. */
  destroy(): Promise<void>;
}

async function asPostgres(args: string[]): Promise<string> {
  const [cmd, ...rest] = Deno.uid() === 0 ? ["runuser", "-u", "postgres", "--", ...args] : args;
  const out = await new Deno.Command(cmd, { args: rest, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${args.join(" ")} failed:\n${text}`);
  return text;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = await Deno.makeTempDir({ prefix: "hangar-pg-" });
  await Deno.chmod(root, 0o755);
  const dataDir = join(root, "data");
  // PostgreSQL cannot listen on port 0 and report the port it got: a probed free port, and
  // another one if a parallel test took it before PostgreSQL bound it.
  let port = freePort();
  if (Deno.uid() === 0) {
    await new Deno.Command("chown", { args: ["postgres:postgres", root] }).output();
  }
  await asPostgres([
    join(BIN, "initdb"),
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
  ]);
  const pgCtl = (action: string, extra: string[] = []) =>
    asPostgres([join(BIN, "pg_ctl"), "-D", dataDir, "-w", "-t", "60", ...extra, action]);
  const start = () =>
    pgCtl("start", [
      "-l",
      join(root, "log"),
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c fsync=off`,
    ]).then(() => {});
  const stop = () => pgCtl("stop", ["-m", "fast"]).then(() => {});
  for (let attempt = 1;; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      const log = await Deno.readTextFile(join(root, "log")).catch(() => "");
      if (attempt === 3 || !log.includes("Address already in use")) throw error;
      port = freePort();
    }
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    async destroy() {
      await stop().catch(() => {});
      await Deno.remove(root, { recursive: true });
    },
  };
}
