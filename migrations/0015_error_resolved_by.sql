-- The fleet-wide errors inbox (docs/api.md "Errors across the fleet"): who resolved
-- each error (an admin's username or an API token's name; NULL for errors resolved
-- before this migration), and an index that pages one error type's errors newest
-- first. Paging every error newest first uses the primary key (seq).
ALTER TABLE computer_errors ADD COLUMN resolved_by text;
CREATE INDEX computer_errors_by_type ON computer_errors (error_type, seq);
