-- The fleet console's computer list (docs/api.md "Fleet"): sorted, filtered and paged
-- by keyset at 100,000 computers. Each sort has an index ending in id (the tie-break and
-- the cursor's last part). Versions sort in semver order through hangar_semver_key:
-- major, minor, patch as numbers, then a release above its prereleases; prerelease
-- identifiers then compare as text. A value that is not semver sorts first.
CREATE FUNCTION hangar_semver_key(v text) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT COALESCE(
    (SELECT ARRAY[m[1]::numeric, m[2]::numeric, m[3]::numeric,
                  CASE WHEN m[4] IS NULL THEN 1 ELSE 0 END]
       FROM regexp_match(v, '^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?') AS m),
    ARRAY[-1]::numeric[])
$$;

CREATE INDEX computers_sort_hostname ON computers (lower(hostname), id);
CREATE INDEX computers_sort_version ON computers (hangar_semver_key(agent_version), agent_version, id);
CREATE INDEX computers_sort_last_seen ON computers ((COALESCE(last_seen_at, '-infinity'::timestamptz)), id);
CREATE INDEX computers_with_errors ON computers (id) WHERE have_active_errors;
