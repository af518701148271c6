-- Registration limits.
--
-- `mailbox` is the address as a mail server delivers it: lowercase, without a
-- `+tag`, and for Gmail without dots (googlemail.com is gmail.com), so a
-- suspended member cannot come back as Name+2@ the same mailbox. Generated, so
-- every insert gets it; `mailbox_of` is the one definition, which the checks use
-- for a candidate address too.
CREATE FUNCTION mailbox_of(email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN domain IN ('gmail.com', 'googlemail.com') THEN replace(local, '.', '') || '@gmail.com'
        ELSE local || '@' || domain
    END
    FROM (SELECT regexp_replace(lower(split_part(email, '@', 1)), '\+.*$', '') AS local,
                 lower(split_part(email, '@', 2)) AS domain) AS parts
$$;
ALTER TABLE members ADD COLUMN mailbox text GENERATED ALWAYS AS (mailbox_of(email)) STORED;
CREATE INDEX members_mailbox ON members (mailbox);

-- One row per account made (or being made) from an address (an IPv6 /64), kept
-- for an hour.
CREATE TABLE registrations (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_address_at ON registrations (address, at);
