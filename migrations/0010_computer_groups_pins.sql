-- Staged rollouts (DESIGN.md "Rollouts, groups and update attempts"): a computer's
-- group (canary rings), a pin it is never updated past, a pause switch, and a
-- per-computer download bandwidth limit (NULL: the server default applies).
ALTER TABLE computers ADD COLUMN "group" text NOT NULL DEFAULT 'default';
ALTER TABLE computers ADD COLUMN pinned_version text;
ALTER TABLE computers ADD COLUMN updates_paused boolean NOT NULL DEFAULT false;
ALTER TABLE computers ADD COLUMN download_limit_kbps integer;
CREATE INDEX computers_group_idx ON computers ("group");
