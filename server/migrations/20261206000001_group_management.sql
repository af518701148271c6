-- Groups made by members. `created_by` counts a member's new groups against the
-- daily limit; the demo groups and those made before this have none.
ALTER TABLE groups ADD COLUMN created_by bigint REFERENCES members (id) ON DELETE SET NULL;
CREATE INDEX groups_created_by ON groups (created_by, created_at) WHERE created_by IS NOT NULL;

-- A membership one side has asked for and the other has not yet granted: a
-- member's request to join a closed group ('request'), or a manager's invitation
-- ('invitation'). One row per group and member: when the other side asks too, the
-- member joins instead.
CREATE TABLE group_pending (
    group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('request', 'invitation')),
    -- The manager who invited (invitations only).
    invited_by bigint REFERENCES members (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_pending_member ON group_pending (member_id);
CREATE INDEX group_pending_requests ON group_pending (group_id, created_at) WHERE kind = 'request';
