-- API tokens (issue 19): scripts and CI authenticate with a scoped token
-- instead of an admin's password. Only a SHA-256 hash of the 256-bit secret is
-- kept. A revoked token keeps its row (revoked_at set) so the audit log's
-- names stay explained; a name is unique among tokens not revoked.
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  scopes jsonb NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
