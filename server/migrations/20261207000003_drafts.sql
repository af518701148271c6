-- What a member has typed and not sent yet, kept on the server so it follows them
-- to another device: one draft per conversation, and one for the start dialog
-- (`conversation_id` NULL). Sending clears it.
CREATE TABLE drafts (
    member_id       bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    conversation_id bigint REFERENCES conversations (id) ON DELETE CASCADE,
    body            text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX drafts_conversation ON drafts (member_id, conversation_id) WHERE conversation_id IS NOT NULL;
CREATE UNIQUE INDEX drafts_start ON drafts (member_id) WHERE conversation_id IS NULL;
