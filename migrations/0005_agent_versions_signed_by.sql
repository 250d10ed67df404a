-- Signed packages (docs/security.md): the id of the trusted key whose signature
-- the server verified at upload. NULL: uploaded while TRUSTED_KEYS was unset,
-- so no signature was checked (and versions from before this migration).
ALTER TABLE agent_versions ADD COLUMN signed_by text;
