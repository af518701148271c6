-- Spam limits: recent sends per member are counted from these rows, so the limits
-- hold across every server instance.
ALTER TABLE conversations ADD COLUMN created_by bigint REFERENCES members (id) ON DELETE SET NULL;
CREATE INDEX conversations_creator_recent ON conversations (created_by, created_at) WHERE created_by IS NOT NULL;
CREATE INDEX messages_author_recent ON messages (author_id, created_at);
