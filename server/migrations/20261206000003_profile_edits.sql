-- Members edit their profile. A handle may change (at most once in 30 days, see
-- domain::profile); the handles a member had before stay theirs: nobody else can
-- take one (an old link or mention never leads to someone else), and
-- /members/<old handle> leads to their profile.
ALTER TABLE members ADD COLUMN handle_changed_at timestamptz;
CREATE TABLE former_handles (
    handle     text PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX former_handles_member ON former_handles (member_id);
