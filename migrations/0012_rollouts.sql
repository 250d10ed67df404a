-- Staged rollouts of a version. At most one is active (running, paused or halted):
-- the partial unique index makes a second active rollout fail even under a race.
CREATE TABLE rollouts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version_id uuid NOT NULL REFERENCES agent_versions (id),
  status text NOT NULL DEFAULT 'running',
  stages jsonb NOT NULL,
  stage_index integer NOT NULL DEFAULT 0,
  max_failures integer NOT NULL,
  max_failure_rate real NOT NULL,
  halt_reason text,
  -- The halt rule counts attempts finished since then: resuming a halted rollout moves it.
  counted_since timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  stage_started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX rollouts_one_active_idx ON rollouts ((true))
  WHERE status IN ('running', 'paused', 'halted');
CREATE INDEX rollouts_started_idx ON rollouts (started_at DESC);
