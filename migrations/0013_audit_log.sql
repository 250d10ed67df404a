-- The append-only audit log (docs/api.md "Audit log"): every admin write, sign-in and
-- sign-out, and every automatic rollout step. No route changes or deletes an entry, and
-- the trigger below refuses UPDATE and DELETE so a bug cannot either. `id` grows with
-- time, so it is both the newest-first order and the paging cursor.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  target_type text,
  target_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_action_id ON audit_log (action, id DESC);
CREATE INDEX audit_log_actor_id ON audit_log (actor, id DESC);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
