-- Server-side records of admin sessions (issue 13, item 14). A session token
-- carries its row's id (`sid`): signing out revokes the row, and deleting the
-- user deletes it, so a token stops working before it expires. The role is
-- read from admin_users at use, never trusted from the token.
CREATE TABLE admin_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE INDEX admin_sessions_user_id ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);
