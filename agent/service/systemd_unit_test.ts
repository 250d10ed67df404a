import assert from "node:assert/strict";
import { systemdQuote, unitFile } from "./systemd_unit.ts";

Deno.test("the systemd unit restarts the agent always and tells it systemd supervises it", () => {
  const unit = unitFile({
    installDir: "/opt/hangar agent",
    agent: "/opt/hangar agent/agent",
    env: { HANGAR_DENO: "/usr/local/bin/deno" },
  });
  const lines = unit.split("\n");
  for (
    const line of [
      "[Service]",
      'ExecStart="/opt/hangar agent/agent" run --install-dir "/opt/hangar agent"',
      'WorkingDirectory="/opt/hangar agent"',
      "Environment=HANGAR_SUPERVISOR=systemd",
      "Environment=DENO_TLS_CA_STORE=system,mozilla",
      "Environment=HANGAR_DENO=/usr/local/bin/deno",
      "Restart=always",
      "RestartSec=5",
      "After=network-online.target",
      "WantedBy=multi-user.target",
    ]
  ) {
    assert.ok(lines.includes(line), `missing line ${line}\n${unit}`);
  }
});

Deno.test("systemdQuote quotes spaces and escapes % specifiers", async (t) => {
  const cases: [string, string][] = [
    ["/opt/hangar-agent/agent", "/opt/hangar-agent/agent"],
    ["/opt/a b", '"/opt/a b"'],
    ["100%", "100%%"],
    ['say "x"', '"say \\"x\\""'],
    ["", '""'],
  ];
  for (const [word, quoted] of cases) {
    await t.step(word || "(empty)", () => assert.equal(systemdQuote(word), quoted));
  }
});
