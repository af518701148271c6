-- Every read and write of a conversation asks whether it has become read-only (a
-- group in it closed, or the other person of a one-to-one deleted their account:
-- `permissions::conversation_access`). Both are rare, so these partial indexes
-- are nearly empty and answer "no" without reading a member's or group's row.
CREATE INDEX members_deleted ON members (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX groups_closed ON groups (id) WHERE closed_at IS NOT NULL;
