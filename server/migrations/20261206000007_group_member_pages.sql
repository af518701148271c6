-- Large groups: members listed by name a page at a time, and managers told of
-- requests to join.

-- The member's folded name on each membership, so a group's members page by
-- keyset on an index of the group alone (a join to members could not be cut
-- before sorting). Triggers keep it equal to fold_name(members.display_name).
ALTER TABLE group_memberships ADD COLUMN sort_name text;
UPDATE group_memberships gm SET sort_name = fold_name(m.display_name)
FROM members m WHERE m.id = gm.member_id;
ALTER TABLE group_memberships ALTER COLUMN sort_name SET NOT NULL;

CREATE FUNCTION group_membership_sort_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sort_name := (SELECT fold_name(display_name) FROM members WHERE id = NEW.member_id);
    RETURN NEW;
END $$;
CREATE TRIGGER group_memberships_sort_name BEFORE INSERT ON group_memberships
    FOR EACH ROW EXECUTE FUNCTION group_membership_sort_name();

CREATE FUNCTION member_name_to_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE group_memberships SET sort_name = fold_name(NEW.display_name) WHERE member_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER members_name_to_memberships AFTER UPDATE OF display_name ON members
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION member_name_to_memberships();

CREATE INDEX group_memberships_by_name ON group_memberships (group_id, sort_name, member_id)
    WHERE role = 'member';

-- When the group's managers were last emailed about requests to join: at most
-- one such email an hour per group, however often members ask and withdraw.
ALTER TABLE groups ADD COLUMN requests_notified_at timestamptz;
