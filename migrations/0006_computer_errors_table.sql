-- Errors move out of the growing computers.errors jsonb value into their own
-- table (issue 13, item 3): appending rewrote the whole array, so one agent
-- flooding large reports made every append, and every read of computers, cost
-- more. Now an append is one INSERT and bounded pruning; the API keeps the
-- plan's element shape. `seq` orders errors (newest last) and gives a stable
-- cursor; `size_bytes` is what the element counts against the per-computer byte cap.
CREATE TABLE computer_errors (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  computer_id uuid NOT NULL REFERENCES computers (id) ON DELETE CASCADE,
  id text NOT NULL,
  error_type text NOT NULL,
  error_message text NOT NULL,
  error_details jsonb NOT NULL DEFAULT '{}'::jsonb,
  reported_at timestamptz NOT NULL DEFAULT now(),
  resolved boolean NOT NULL DEFAULT false,
  resolved_at timestamptz,
  resolution_notes text,
  report_id text,
  size_bytes integer NOT NULL DEFAULT 0,
  UNIQUE (computer_id, id)
);
-- A retried report (same report_id) is stored once: INSERT ... ON CONFLICT DO NOTHING.
CREATE UNIQUE INDEX computer_errors_report_id ON computer_errors (computer_id, report_id)
  WHERE report_id IS NOT NULL;
CREATE INDEX computer_errors_by_computer ON computer_errors (computer_id, seq);
CREATE INDEX computer_errors_active ON computer_errors (seq) WHERE NOT resolved;

-- Existing errors, oldest first per computer, keeping their ids and report_ids.
INSERT INTO computer_errors (computer_id, id, error_type, error_message, error_details,
  reported_at, resolved, resolved_at, resolution_notes, report_id, size_bytes)
SELECT c.id,
  COALESCE(NULLIF(t.e->>'id', ''), gen_random_uuid()::text),
  COALESCE(t.e->>'error_type', 'Unknown'),
  COALESCE(t.e->>'error_message', ''),
  CASE WHEN jsonb_typeof(t.e->'error_details') = 'object' THEN t.e->'error_details'
       ELSE '{}'::jsonb END,
  COALESCE((t.e->>'reported_at')::timestamptz, c.updated_at),
  COALESCE((t.e->>'resolved')::boolean, false),
  (t.e->>'resolved_at')::timestamptz,
  t.e->>'resolution_notes',
  NULLIF(t.e->>'report_id', ''),
  octet_length(t.e::text)
FROM computers c, jsonb_array_elements(c.errors) WITH ORDINALITY AS t(e, ord)
ORDER BY c.created_at, c.id, t.ord
ON CONFLICT DO NOTHING;

ALTER TABLE computers DROP COLUMN errors;
