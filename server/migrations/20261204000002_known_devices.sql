-- Browsers that have signed in to an account: a sign-in from one of them is
-- throttled on its own counter, so an attacker's guesses from elsewhere do not
-- lock the member out. Only the SHA-256 of the cookie is kept.
CREATE TABLE known_devices (
    token_hash   bytea PRIMARY KEY,
    member_id    bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    last_used_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX known_devices_member ON known_devices (member_id, last_used_at DESC);
