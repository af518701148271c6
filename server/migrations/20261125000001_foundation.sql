-- Members, groups, sessions and sign-in throttling: the portal foundation.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change); pinning the dictionary
-- makes an IMMUTABLE wrapper that indexes can use. "José" and "jose" fold alike.
CREATE FUNCTION fold_name(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

CREATE TABLE members (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle        text NOT NULL CONSTRAINT members_handle_key UNIQUE,
    display_name  text NOT NULL,
    email         text NOT NULL CONSTRAINT members_email_key UNIQUE,
    password_hash text NOT NULL,
    bio           text NOT NULL DEFAULT '',
    role          text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    suspended_at  timestamptz,
    deleted_at    timestamptz,
    -- What name searches match: the folded name and the handle.
    search_name   text GENERATED ALWAYS AS (fold_name(display_name) || ' ' || handle) STORED,
    CHECK (handle = lower(handle)),
    CHECK (email = lower(email))
);
CREATE INDEX members_name_order ON members (fold_name(display_name), id);
-- Contains-searches of 3+ characters use trigrams; shorter ones match name prefixes.
CREATE INDEX members_search_trgm ON members USING gin (search_name gin_trgm_ops);
-- Byte order ("C") so that a prefix is a range of the index, read in order.
CREATE INDEX members_search_prefix ON members ((search_name COLLATE "C"));

CREATE TABLE groups (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL CONSTRAINT groups_slug_key UNIQUE,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    is_open     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    search_name text GENERATED ALWAYS AS (fold_name(name) || ' ' || slug) STORED
);
CREATE INDEX groups_search_trgm ON groups USING gin (search_name gin_trgm_ops);

CREATE TABLE group_memberships (
    group_id  bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('manager', 'member')),
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_memberships_member ON group_memberships (member_id);

-- Only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_member ON sessions (member_id);

-- Failed sign-ins per account and per client address.
CREATE TABLE sign_in_throttle (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    blocked_until   timestamptz NOT NULL
);
