-- Files chosen in the start dialog wait for a conversation that does not exist
-- yet: a pending upload's conversation may be NULL (the start dialog's, one per
-- member, like its draft). A sent file always has its conversation.
ALTER TABLE attachments ALTER COLUMN conversation_id DROP NOT NULL;
ALTER TABLE attachments ADD CONSTRAINT attachments_sent_in_a_conversation
    CHECK (message_id IS NULL OR conversation_id IS NOT NULL);
