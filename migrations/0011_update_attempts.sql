-- Every update an agent attempts, reported through its outbox (POST /api/agent/update-status):
-- one row per attempt, moving forward through its states. Rollout counts and the
-- halt rule are derived from these rows; they go with their computer.
CREATE TABLE update_attempts (
  attempt_id uuid PRIMARY KEY,
  computer_id uuid NOT NULL REFERENCES computers (id) ON DELETE CASCADE,
  from_version text NOT NULL,
  to_version text NOT NULL,
  state text NOT NULL,
  progress real,
  error_type text,
  message text,
  rollout_id uuid,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX update_attempts_computer_idx ON update_attempts (computer_id, started_at DESC);
CREATE INDEX update_attempts_rollout_idx ON update_attempts (rollout_id, state);
