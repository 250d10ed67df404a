/** Example payloads for the OpenAPI document; the contract test checks each against its schema. */
import type {
  AgentVersionRecord,
  ApiTokenRecord,
  AuditEntry,
  ComputerError,
  ComputerSummary,
  CreatedApiToken,
  UpdateInfo,
} from "../../protocol/mod.ts";

export const COMPUTER_ID = "0b6f3b1e-6a55-4f0e-9d5c-3c2a9c1f7e21";
export const AGENT_ID = "48c7d0f2-9a1b-4c3d-8e5f-6a7b8c9d0e1f";
export const VERSION_ID = "5d1c2f7a-3b4e-4f60-9a8b-7c6d5e4f3a2b";
export const ERROR_ID = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4";
export const TOKEN_ID = "2f3e4d5c-6b7a-4890-8a1b-2c3d4e5f6a7b";
export const CHECKSUM = "9b74c9897bac770ffc029102a200c5de6a4e7b1f3c2d5e8f0a1b2c3d4e5f6a7b";
export const AT = "2026-11-26T10:00:00.000Z";

export const versionExample: AgentVersionRecord = {
  id: VERSION_ID,
  version: "1.2.0",
  checksum_sha256: CHECKSUM,
  download_url: "/api/agent/agent-packages/hangar-agent-1.2.0.zip",
  notes: "Faster downloads",
  is_stable: false,
  file_size: 48213377,
  signed_by: "6a69a1701dba726c",
  created_at: AT,
  updated_at: AT,
};

/** With the rollout fields (group, pin, pause, limit) the computer replies carry. */
export const computerExample: ComputerSummary & Record<string, unknown> = {
  id: COMPUTER_ID,
  agent_id: AGENT_ID,
  hostname: "LAB-PC-07",
  os: "Windows 11 Pro 23H2",
  agent_version: "1.1.0",
  last_seen_at: AT,
  online: true,
  have_active_errors: true,
  active_error_count: 1,
  group: "lab",
  pinned_version: null,
  updates_paused: false,
  download_limit_kbps: null,
  created_at: "2026-10-01T08:30:00.000Z",
  updated_at: AT,
};

export const computerErrorExample: ComputerError = {
  id: ERROR_ID,
  error_type: "UpdateChecksumMismatch",
  error_message: "Checksum mismatch for 1.2.0",
  error_details: {
    agent_version_at_error: "1.1.0",
    expected_checksum: CHECKSUM,
    actual_checksum: "0".repeat(64),
    reported_at_agent: AT,
  },
  reported_at: AT,
  resolved: false,
  resolved_at: null,
  resolution_notes: null,
  report_id: "3c1f0a9e-1d2b-4e5f-8a7b-6c5d4e3f2a1b",
};

export const resolvedErrorExample: ComputerError = {
  ...computerErrorExample,
  resolved: true,
  resolved_at: "2026-11-26T11:00:00.000Z",
  resolution_notes: "Re-uploaded the package",
};

export const updateInfoExample: UpdateInfo = {
  version: "1.2.0",
  download_url: "/api/agent/agent-packages/hangar-agent-1.2.0.zip",
  checksum_sha256: CHECKSUM,
  file_size: 48213377,
};

export const tokenExample: ApiTokenRecord = {
  id: TOKEN_ID,
  name: "ci-release",
  scopes: ["versions:write"],
  created_by: "admin",
  created_at: AT,
  expires_at: "2027-02-24T10:00:00.000Z",
  last_used_at: "2026-11-27T02:14:00.000Z",
};

export const createdTokenExample: CreatedApiToken = {
  id: TOKEN_ID,
  name: "ci-release",
  scopes: ["versions:write"],
  token: "hgr_q3Vb8rJX0n2dPz6mYt1LwKc5uHf9sAe4gRi7oNjBx0E",
  expires_at: "2027-02-24T10:00:00.000Z",
};

export const auditExample: AuditEntry = {
  id: "1042",
  at: AT,
  actor: "token:ci-release",
  action: "version.upload",
  target_type: "version",
  target_id: VERSION_ID,
  details: { version: "1.2.0" },
};
