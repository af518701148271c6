-- Short searches (one or two characters) in the recipient picker: a trigram index
-- cannot serve them, and matching only the start of the whole name missed given
-- names ("伟" did not find 刘伟, "mar" did, but "ma" did not find Ana Martín).
-- Each member gets the grams a short search may match: the first one and two
-- characters of every word of the folded name and of the handle, and every
-- character and pair of characters of scripts written without spaces (Chinese,
-- Japanese, Korean). A GIN index answers `search_grams @> ARRAY[query]`.
CREATE FUNCTION name_grams(folded text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}') FROM (
        SELECT left(word, n) AS gram
        FROM regexp_split_to_table(folded, '\s+') AS word, generate_series(1, 2) AS n
        WHERE word <> ''
        UNION ALL
        SELECT substr(folded, i, n)
        FROM generate_series(1, length(folded)) AS i, generate_series(1, 2) AS n
        WHERE length(substr(folded, i, n)) = n
          AND substr(folded, i, n) ~ '^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+$'
    ) AS grams
    $$;

ALTER TABLE members ADD COLUMN search_grams text[]
    GENERATED ALWAYS AS (name_grams(fold_name(display_name) || ' ' || handle)) STORED;
-- Without a pending list: members change rarely, and right after 100,000 members were
-- added a rare two-letter search read their pending entries in 9 ms (0.1 ms merged).
CREATE INDEX members_search_grams ON members USING gin (search_grams) WITH (fastupdate = off);
