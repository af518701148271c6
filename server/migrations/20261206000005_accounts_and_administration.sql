-- Deleting one's account, closing a group, administration and the site's settings.

-- A report keeps who wrote the reported message even after its author deletes
-- their account (the member row then says "Deleted member"). Filled at deletion.
ALTER TABLE reports ADD COLUMN author_name text, ADD COLUMN author_handle text;

-- An administrator closes a group: it leaves the directory and search, nobody
-- joins it, and its conversations stay readable but take no new messages.
ALTER TABLE groups ADD COLUMN closed_at timestamptz;

-- The audit log holds administrators' actions too (one log, as Decidim's admin log).
ALTER TABLE moderation_log DROP CONSTRAINT moderation_log_action_check;
ALTER TABLE moderation_log ADD CONSTRAINT moderation_log_action_check
    CHECK (action IN ('dismiss', 'remove', 'warn', 'suspend',
                      'lift_suspension', 'set_role', 'close_group', 'appoint_manager',
                      'change_settings', 'invite'));
ALTER TABLE moderation_log ADD COLUMN group_id bigint REFERENCES groups (id) ON DELETE SET NULL;

-- Settings an administrator changes without a restart; every instance reads this
-- one row. NULL means "the value the server was started with".
CREATE TABLE site_settings (
    singleton              boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    registration           text CHECK (registration IN ('open', 'invitation')),
    messages_per_minute    integer CHECK (messages_per_minute BETWEEN 1 AND 1000),
    conversations_per_hour integer CHECK (conversations_per_hour BETWEEN 1 AND 1000),
    email_batch_seconds    integer CHECK (email_batch_seconds BETWEEN 0 AND 86400),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
INSERT INTO site_settings DEFAULT VALUES;

-- Invitations to register while registration is by invitation: one use each,
-- only the SHA-256 of the link's token stored.
CREATE TABLE site_invitations (
    token_hash bytea PRIMARY KEY,
    created_by bigint REFERENCES members (id) ON DELETE SET NULL,
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
