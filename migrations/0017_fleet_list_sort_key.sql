-- The fleet console's computer list at 100,000 computers (docs/performance.md "Fleet
-- console"): the semver sort key stored in a column instead of computed row by row,
-- an index for each filter in the default (hostname) order, and a trigram index for
-- the hostname search on PostgreSQL when the pg_trgm extension can be had.

DROP INDEX computers_sort_version;

-- The same key as 0014's, for every input (server/db/semver_key_test.ts compares them),
-- without regexp_match's capture groups, which cost ~100x a plain match: filling the
-- column below for 100,000 computers took 45 s with them, 5 s without. The digit runs
-- are what 0014's groups captured: the first two parts are all digits up to a dot;
-- the third is the leading digits of what follows the second dot. A value that is
-- not semver keeps 0014's key, {NULL,NULL,NULL,1}: it sorts after every version
-- (NULL elements compare high) and is never below the stable version.
CREATE OR REPLACE FUNCTION hangar_semver_key(v text) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v ~ '^\d+\.\d+\.\d+' THEN ARRAY[
      split_part(v, '.', 1)::numeric,
      split_part(v, '.', 2)::numeric,
      substring(split_part(v, '.', 3) FROM '^\d+')::numeric,
      CASE WHEN v ~ '^\d+\.\d+\.\d+-[0-9A-Za-z.-]' THEN 0 ELSE 1 END]
    ELSE ARRAY[NULL, NULL, NULL, 1]::numeric[] END
$$;

-- Generated from agent_version, so every write of agent_version keeps it right, and
-- the rows already there are filled here.
ALTER TABLE computers ADD COLUMN agent_version_key numeric[]
  GENERATED ALWAYS AS (hangar_semver_key(agent_version)) STORED;
CREATE INDEX computers_sort_version ON computers (agent_version_key, agent_version, id);

-- version= and group= in hostname order (the default sort); the group index replaces 0010's.
CREATE INDEX computers_version_hostname ON computers (agent_version, lower(hostname), id);
DROP INDEX computers_group_idx;
CREATE INDEX computers_group_hostname ON computers ("group", lower(hostname), id);

-- search= is `lower(hostname) LIKE '%...%'`, which only a trigram index serves. pg_trgm
-- ships in PostgreSQL's contrib and is a trusted extension: a role with CREATE on the
-- database may install it. Where it cannot be installed (not available, no privilege,
-- the embedded database) the search scans the table and this migration still succeeds;
-- docs/operations.md says how to add the index later.
DO $$
DECLARE
  trgm_schema text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm not installed (%): the computer search scans the table', SQLERRM;
    END;
  END IF;
  SELECT extnamespace::regnamespace::text INTO trgm_schema
    FROM pg_extension WHERE extname = 'pg_trgm';
  IF trgm_schema IS NOT NULL THEN
    EXECUTE format(
      'CREATE INDEX computers_hostname_trgm ON computers USING gin (lower(hostname) %s.gin_trgm_ops)',
      trgm_schema);
  END IF;
END
$$;
