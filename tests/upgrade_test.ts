/**
 * Upgrading a release 1.0 database: the schema of migrations 0001–0005 exactly
 * as that release shipped them (frozen in tests/fixtures/release_1_0_migrations/
 * so later edits cannot change them) and data written the way that release
 * wrote it (package files under DATA_DIR/packages, token and password hashes,
 * errors in the `computers.errors` jsonb array). Then a real server process of
 * the current code starts on it, migrates, and everything is checked through
 * the API. On the embedded PGlite (its DATA_DIR) and on a fresh PostgreSQL
 * database (when DATABASE_URL is set).
 *
 * Engineers adding a migration extend `checkUpgrade` with their tables' checks.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type {
  AgentVersionRecord,
  AuditEntry,
  ComputerError,
  ComputerSummary,
  CreatedApiToken,
  FleetSummary,
} from "../protocol/mod.ts";
import type { Db } from "../server/db/db.ts";
import { migrate, readMigrations } from "../server/db/migrate.ts";
import { openPgliteDb } from "../server/db/pglite_db.ts";
import { openPostgresDb } from "../server/db/postgres_db.ts";
import { makePackage } from "./helpers/make_package.ts";
import { createTestDatabase, NO_POSTGRES } from "./helpers/postgres.ts";
import { adminFetch, startServer, type TestServer } from "./helpers/server_process.ts";

const RELEASE_1_0_MIGRATIONS = new URL("./fixtures/release_1_0_migrations/", import.meta.url);

/** PBKDF2 hashes as release 1.0 stored them: `test-password-123` and `ops-password-456`. */
const ADMIN_HASH =
  "pbkdf2-sha256$210000$uuAZPObVovpC1BZaGDa9VQ==$CgEu5Fws7N9vgW82b6YQPcV2ubNW5cj83xcdA1KI/gI=";
const OPS_HASH =
  "pbkdf2-sha256$210000$RTZUpdgBGS0EAVM4fCOrmA==$+RChZVmqk1vT9ta7nSs8CUw6FnoNj3WP9+1QVLedfgE=";
const ENROLLMENT_TOKEN = "legacy-enrollment-token-0123456789";

interface LegacyVersion {
  version: string;
  fileName: string;
  sha256: string;
  size: number;
  isStable: boolean;
  notes: string | null;
  signedBy: string | null;
}

interface LegacyComputer {
  id: string;
  agentId: string;
  token: string;
  hostname: string;
  agentVersion: string;
  errors: ComputerError[];
}

export interface Release10Data {
  versions: LegacyVersion[];
  computers: LegacyComputer[];
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function legacyError(
  n: number,
  overrides: Partial<ComputerError> & Record<string, unknown> = {},
): ComputerError {
  return {
    id: crypto.randomUUID(),
    error_type: "UpdateDownloadFailed",
    error_message: `download ${n} failed: connection reset — ünïcödé ✓`,
    error_details: {
      download_url: "/api/agent/agent-packages/hangar-agent-1.0.0.zip",
      reported_at_agent: `2026-10-0${n}T08:00:00.000Z`,
      agent_version_at_error: "0.9.0",
      stack_trace: `Error: reset\n    at download (agent.ts:${n})`,
      nested: { attempt: n, codes: [1, 2, 3] },
    },
    reported_at: `2026-10-0${n}T08:00:01.000Z`,
    resolved: false,
    resolved_at: null,
    resolution_notes: null,
    ...overrides,
  };
}

/** Writes release 1.0's schema and data into `db` and its package files into `dataDir`. */
export async function seedRelease10(db: Db, dataDir: string): Promise<Release10Data> {
  await migrate(db, await readMigrations(RELEASE_1_0_MIGRATIONS));
  const packagesDir = join(dataDir, "packages");
  await Deno.mkdir(packagesDir, { recursive: true });

  await db.query(
    `INSERT INTO admin_users (username, password_hash, role) VALUES
       ('admin', $1, 'admin'), ('ops', $2, 'admin')`,
    [ADMIN_HASH, OPS_HASH],
  );
  await db.query(
    "INSERT INTO server_settings (key, value) VALUES ('enrollment_token', $1)",
    [ENROLLMENT_TOKEN],
  );

  const versions: LegacyVersion[] = [];
  const specs = [
    { version: "1.0.0", isStable: true, notes: "first release", signedBy: null },
    { version: "1.1.0-beta.1", isStable: false, notes: null, signedBy: null },
    { version: "1.2.0+build.7", isStable: false, notes: "signed build", signedBy: "key-2026" },
  ];
  for (const spec of specs) {
    const fileName = `hangar-agent-${spec.version.replaceAll("+", "_")}.zip`;
    const made = await makePackage(
      { version: spec.version, files: { agent: `agent ${spec.version}`, updater: "updater" } },
      join(packagesDir, fileName),
    );
    await db.query(
      `INSERT INTO agent_versions (version, checksum_sha256, download_url, notes, is_stable,
         file_path, file_size, signed_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() - interval '1 day')`,
      [
        spec.version,
        made.sha256,
        `/api/agent/agent-packages/${fileName}`,
        spec.notes,
        spec.isStable,
        fileName,
        made.size,
        spec.signedBy,
      ],
    );
    versions.push({ ...spec, fileName, sha256: made.sha256, size: made.size });
  }

  const computers: LegacyComputer[] = [];
  const errorSets: ComputerError[][] = [
    [
      legacyError(1, {
        resolved: true,
        resolved_at: "2026-10-02T09:00:00.000Z",
        resolution_notes: "network fixed",
      }),
      legacyError(2, { report_id: "legacy-report-2" }),
      // Written before report ids existed: no `report_id` key at all.
      legacyError(3, { error_type: "UpdateChecksumMismatch" }),
    ],
    [],
    [legacyError(4, { resolved: true, resolved_at: "2026-10-05T00:00:00.000Z" })],
  ];
  // Text order differs from semver order here (0.10.0 sorts before 0.9.0 as text).
  const agentVersions = ["0.9.0", "0.10.0", "0.9.1-rc.1"];
  for (const [i, errors] of errorSets.entries()) {
    const token = `legacy-agent-token-${i}-${crypto.randomUUID()}`;
    const agentId = crypto.randomUUID();
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO computers (agent_id, agent_token_hash, hostname, os, agent_version,
         last_seen_at, errors, have_active_errors)
       VALUES ($1, $2, $3, 'Windows 10 Pro 22H2', $6, now() - interval '2 hours',
         $4::text::jsonb, $5)
       RETURNING id::text AS id`,
      [
        agentId,
        sha256Hex(token),
        `legacy-pc-${i}`,
        JSON.stringify(errors),
        errors.some((e) => !e.resolved),
        agentVersions[i],
      ],
    );
    computers.push({
      id: row.id,
      agentId,
      token,
      hostname: `legacy-pc-${i}`,
      agentVersion: agentVersions[i],
      errors,
    });
  }
  return { versions, computers };
}

function agentFetch(
  server: TestServer,
  computer: LegacyComputer,
  path: string,
  init?: RequestInit,
) {
  const headers = new Headers(init?.headers);
  headers.set("agent-id", computer.agentId);
  headers.set("agent-token", computer.token);
  return fetch(`${server.url}${path}`, { ...init, headers });
}

/** The element as the API answers it: every field of the plan, `report_id` null when absent. */
function asServed(error: ComputerError): ComputerError {
  // resolved_by (0015) is unknown for errors resolved before it: null.
  return { ...error, resolved_by: null, report_id: error.report_id ?? null };
}

async function checkUpgrade(t: Deno.TestContext, server: TestServer, data: Release10Data) {
  await t.step("versions keep their fields, packages download with the same checksum", async () => {
    const versions = await adminFetch<AgentVersionRecord[]>(server, "/agents/versions");
    assert.deepEqual(
      versions.map((v) => [v.version, v.is_stable, v.notes, v.checksum_sha256, v.file_size]),
      [
        ["1.2.0+build.7", false, "signed build", data.versions[2].sha256, data.versions[2].size],
        ["1.1.0-beta.1", false, null, data.versions[1].sha256, data.versions[1].size],
        ["1.0.0", true, "first release", data.versions[0].sha256, data.versions[0].size],
      ],
    );
    assert.equal(versions[0].signed_by, "key-2026");
    for (const version of versions) {
      const res = await agentFetch(server, data.computers[1], version.download_url);
      assert.equal(res.status, 200, version.version);
      const bytes = new Uint8Array(await res.arrayBuffer());
      assert.equal(createHash("sha256").update(bytes).digest("hex"), version.checksum_sha256);
    }
  });

  await t.step("agent tokens still authenticate, and check_update offers 1.0.0", async () => {
    for (const computer of data.computers) {
      const res = await agentFetch(
        server,
        computer,
        "/api/agent/check_update?current_version=0.9.0",
      );
      assert.equal(res.status, 200, computer.hostname);
      assert.equal((await res.json()).version, "1.0.0");
    }
    const wrong = await agentFetch(
      server,
      { ...data.computers[0], token: "not-the-token" },
      "/api/agent/check_update",
    );
    await wrong.body?.cancel();
    assert.equal(wrong.status, 401);
  });

  await t.step("computers keep hostnames, versions and active-error state", async () => {
    const computers = await adminFetch<ComputerSummary[]>(server, "/computers");
    assert.deepEqual(
      computers.map((c) => [c.id, c.hostname, c.os, c.have_active_errors, c.active_error_count]),
      data.computers.map((c) => [
        c.id,
        c.hostname,
        "Windows 10 Pro 22H2",
        c.errors.some((e) => !e.resolved),
        c.errors.filter((e) => !e.resolved).length,
      ]),
    );
  });

  await t.step("errors survive field for field, in order", async () => {
    for (const computer of data.computers) {
      const errors = await adminFetch<ComputerError[]>(server, `/computers/${computer.id}/errors`);
      assert.deepEqual(errors, computer.errors.map(asServed), computer.hostname);
    }
  });

  await t.step("a retried legacy report_id is still stored once; new reports append", async () => {
    const pc = data.computers[0];
    for (const reportId of ["legacy-report-2", "after-upgrade-1"]) {
      const res = await agentFetch(server, pc, "/api/agent/report-error", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          error_type: "UpdateGeneralFailure",
          message: "after the upgrade",
          timestamp: new Date().toISOString(),
          agent_version: "0.9.0",
          report_id: reportId,
        }),
      });
      await res.body?.cancel();
      assert.equal(res.status, 204);
    }
    const errors = await adminFetch<ComputerError[]>(server, `/computers/${pc.id}/errors`);
    assert.deepEqual(
      errors.map((e) => e.report_id),
      [null, "legacy-report-2", null, "after-upgrade-1"],
    );
    const legacy = pc.errors[2];
    const resolved = await adminFetch<ComputerError>(
      server,
      `/computers/${pc.id}/errors/${legacy.id}/resolve`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ resolution_notes: "checked" }),
      },
    );
    assert.equal(resolved.resolved, true);
    assert.equal(resolved.error_message, legacy.error_message);
    assert.equal(resolved.resolved_by, "admin");
  });

  await t.step("admins sign in with their old passwords; settings are kept", async () => {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ops", password: "ops-password-456" }),
    });
    assert.equal(login.status, 200);
    assert.equal((await login.json()).user.username, "ops");
    assert.equal(server.enrollmentToken, ENROLLMENT_TOKEN);
    const enrolled = await fetch(`${server.url}/api/agent/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "enrollment-token": ENROLLMENT_TOKEN },
      body: JSON.stringify({ hostname: "new-pc", os: "windows", agent_version: "1.0.0" }),
    });
    await enrolled.body?.cancel();
    assert.equal(enrolled.status, 201);
  });

  await t.step("console (0013-0015): audit log, fleet list and summary, errors inbox", async () => {
    const audit = await adminFetch<AuditEntry[]>(server, "/audit?limit=500");
    const actions = audit.map((e) => `${e.actor} ${e.action}`);
    assert.ok(actions.includes("ops auth.sign_in"), actions.join(", "));
    assert.ok(actions.includes("admin error.resolve"), actions.join(", "));
    const total = data.computers.length + 1; // new-pc enrolled above
    const res = await fetch(`${server.url}/api/admin/computers?sort=agent_version&limit=1`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.equal(res.headers.get("x-total-count"), String(total));
    assert.ok(res.headers.get("x-next-cursor"));
    const summary = await adminFetch<FleetSummary>(server, "/fleet/summary");
    assert.equal(summary.total, total);
    assert.equal(summary.stable_version, "1.0.0");
    const open = data.computers.flatMap((c) => c.errors).filter((e) => !e.resolved).length;
    const inbox = await fetch(`${server.url}/api/admin/errors?resolved=false`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    await inbox.body?.cancel();
    // The legacy open errors, one resolved above, and one report added after the upgrade.
    assert.equal(inbox.headers.get("x-total-count"), String(open - 1 + 1));
  });

  await t.step(
    "stored semver key (0017): filled for the old computers, the list sorts and filters by it",
    async () => {
      const list = async (query: string) => {
        const res = await fetch(`${server.url}/api/admin/computers?${query}`, {
          headers: { authorization: `Bearer ${server.adminToken}` },
        });
        assert.equal(res.status, 200, query);
        assert.equal(res.headers.get("x-total-count-estimated"), null);
        return ((await res.json()) as ComputerSummary[]).map((c) => c.agent_version);
      };
      // new-pc (enrolled above on 1.0.0, the stable version) and the three old computers.
      assert.deepEqual(await list("sort=agent_version"), [
        "0.9.0",
        "0.9.1-rc.1",
        "0.10.0",
        "1.0.0",
      ]);
      assert.deepEqual(await list("sort=agent_version&order=desc&limit=2"), ["1.0.0", "0.10.0"]);
      assert.deepEqual(
        await list("outdated=true&sort=agent_version"),
        ["0.9.0", "0.9.1-rc.1", "0.10.0"],
      );
      assert.deepEqual(await list("outdated=false"), ["1.0.0"]);
      assert.deepEqual(await list("version=0.10.0"), ["0.10.0"]);
    },
  );

  await t.step(
    "API tokens (0016): a token made after the upgrade reads the old fleet",
    async () => {
      const created = await adminFetch<CreatedApiToken>(server, "/api-tokens", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "after-upgrade", scopes: ["fleet:read"] }),
      });
      const headers = { authorization: `Bearer ${created.token}` };
      const list = await fetch(`${server.url}/api/admin/computers`, { headers });
      assert.equal(list.status, 200);
      assert.equal((await list.json()).length, data.computers.length + 1);
      const upload = await fetch(`${server.url}/api/admin/agents/versions`, {
        method: "POST",
        headers,
      });
      assert.equal(upload.status, 403);
      await upload.body?.cancel();
      await adminFetch(server, `/api-tokens/${created.id}`, { method: "DELETE" });
      const revoked = await fetch(`${server.url}/api/admin/computers`, { headers });
      await revoked.body?.cancel();
      assert.equal(revoked.status, 401);
    },
  );

  await t.step(
    "migrations 0010–0012: groups, pins, attempts and rollouts work on old rows",
    async () => {
      const computers = await adminFetch<ComputerSummary[]>(server, "/computers");
      for (const c of computers.filter((c) => c.hostname.startsWith("legacy-"))) {
        assert.deepEqual(
          [c.group, c.pinned_version, c.updates_paused, c.download_limit_kbps],
          ["default", null, false, null],
        );
      }
      const [pc0, pc1, pc2] = data.computers;
      const versionId = async (version: string) =>
        (await adminFetch<AgentVersionRecord[]>(server, "/agents/versions"))
          .find((v) => v.version === version)?.id;
      const json = (method: string, body: unknown): RequestInit => ({
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      await adminFetch(server, `/computers/${pc2.id}`, json("PATCH", { group: "canary" }));
      const attempt = crypto.randomUUID();
      const status = await agentFetch(
        server,
        pc1,
        "/api/agent/update-status",
        json("POST", {
          attempt_id: attempt,
          from_version: "0.9.0",
          to_version: "1.0.0",
          state: "downloading",
          progress: 0.5,
        }),
      );
      await status.body?.cancel();
      assert.equal(status.status, 204);
      const attempts = await adminFetch<{ attempt_id: string }[]>(
        server,
        `/computers/${pc1.id}/updates`,
      );
      assert.deepEqual(attempts.map((a) => a.attempt_id), [attempt]);
      const rollout = await adminFetch<{ id: string; counts: { cohort: number } }>(
        server,
        "/rollouts",
        json("POST", {
          version_id: await versionId("1.2.0+build.7"),
          stages: [{ groups: ["canary"] }],
        }),
      );
      assert.equal(rollout.counts.cohort, 1);
      const offered = async (computer: LegacyComputer) => {
        const res = await agentFetch(
          server,
          computer,
          "/api/agent/check_update?current_version=0.9.0",
        );
        return (await res.json()).version;
      };
      assert.equal(await offered(pc2), "1.2.0+build.7");
      assert.equal(await offered(pc0), "1.0.0");
      await adminFetch(server, `/rollouts/${rollout.id}/cancel`, { method: "POST" });
    },
  );

  await t.step("sessions (0008): a new sign-in's token works until it signs out", async () => {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ops", password: "ops-password-456" }),
    });
    assert.equal(login.status, 200);
    const { token } = await login.json();
    const list = () =>
      fetch(`${server.url}/api/admin/computers`, { headers: { authorization: `Bearer ${token}` } })
        .then(async (res) => (await res.body?.cancel(), res.status));
    assert.equal(await list(), 200);
    const out = await fetch(`${server.url}/api/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(out.status, 204);
    assert.equal(await list(), 401);
  });
}

Deno.test("upgrade: a release 1.0 embedded database migrates and keeps its data", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "hangar-upgrade-" });
  let server: TestServer | null = null;
  try {
    const db = await openPgliteDb(join(dataDir, "db"));
    let data: Release10Data;
    try {
      data = await seedRelease10(db, dataDir);
    } finally {
      await db.close();
    }
    server = await startServer({ dataDir, env: { DATABASE_URL: "" } });
    await checkUpgrade(t, server, data);
  } finally {
    await server?.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test({
  name: "upgrade: a release 1.0 PostgreSQL database migrates and keeps its data",
  ignore: NO_POSTGRES,
  async fn(t) {
    const dataDir = await Deno.makeTempDir({ prefix: "hangar-upgrade-" });
    const database = await createTestDatabase();
    let server: TestServer | null = null;
    try {
      const db = await openPostgresDb(database.url, { max: 1 });
      let data: Release10Data;
      try {
        data = await seedRelease10(db, dataDir);
      } finally {
        await db.close();
      }
      server = await startServer({ dataDir, env: { DATABASE_URL: database.url } });
      await checkUpgrade(t, server, data);
    } finally {
      await server?.stop();
      await database.drop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
