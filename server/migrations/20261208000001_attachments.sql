-- Images and files attached to messages.

-- The file store kept in PostgreSQL (the default store: every instance sees it and
-- the database's backup covers it). Keys are the store's own; another store (an
-- object store) would keep the same keys in `attachments` and its bytes elsewhere.
-- Pictures are re-encoded JPEG or PNG and most documents are compressed already:
-- EXTERNAL stores them out of line without trying to compress them again.
CREATE TABLE stored_files (
    key        text PRIMARY KEY,
    bytes      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE stored_files ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- One file as members see it. An upload is pending (`message_id` NULL) until the
-- message it goes with is sent; pending uploads belong to their uploader and one
-- conversation, and are erased after a day when never sent.
CREATE TABLE attachments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uploader_id     bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      bigint REFERENCES messages (id) ON DELETE CASCADE,
    position        smallint NOT NULL DEFAULT 0,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    media_type      text NOT NULL,
    -- Bytes stored: the file and its thumbnail (what counts against the quota).
    size            bigint NOT NULL CHECK (size > 0),
    width           integer,
    height          integer,
    file_key        text NOT NULL,
    thumbnail_key   text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message ON attachments (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_pending ON attachments (uploader_id, conversation_id) WHERE message_id IS NULL;
CREATE INDEX attachments_uploader ON attachments (uploader_id);
CREATE INDEX attachments_pending_age ON attachments (created_at) WHERE message_id IS NULL;

-- Whatever deletes attachments (a deleted message, a member's account, a
-- conversation, an upload never sent) erases their bytes in the same transaction.
CREATE FUNCTION erase_attachment_files() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM stored_files s
    USING gone g
    WHERE s.key = g.file_key OR s.key = g.thumbnail_key;
    RETURN NULL;
END $$;
CREATE TRIGGER attachments_erase_files
    AFTER DELETE ON attachments
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION erase_attachment_files();
