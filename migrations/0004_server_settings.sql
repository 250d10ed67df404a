-- Secrets the server generates once when the environment does not give them
-- (the enrollment token), kept so every instance on this database shares them.
CREATE TABLE server_settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
