-- Uploaded agent packages. A version is stable when agents should move to it;
-- the file lives under DATA_DIR/packages and is served only through the agent API.
CREATE TABLE agent_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version text NOT NULL UNIQUE,
  checksum_sha256 text NOT NULL,
  download_url text NOT NULL,
  notes text,
  is_stable boolean NOT NULL DEFAULT false,
  file_path text NOT NULL,
  file_size bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
