-- One row per enrolled agent. The agent token is kept only as a SHA-256 hash;
-- errors is the plan's jsonb array of reported errors, appended atomically.
CREATE TABLE computers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id text NOT NULL UNIQUE,
  agent_token_hash text NOT NULL,
  hostname text NOT NULL,
  os text NOT NULL,
  agent_version text NOT NULL,
  last_seen_at timestamptz,
  errors jsonb NOT NULL DEFAULT '[]'::jsonb,
  have_active_errors boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
