-- Searching one's messages. Members write in many languages, so no stemming: the
-- 'simple' configuration over the folded text (lower case, no accents, as names
-- are folded), so "cafe" finds "Café". Scripts written without spaces (Chinese,
-- Japanese, Korean) are one "word" to the parser, so each of their characters and
-- pairs of characters is a lexeme too, as for names: 東京 finds 東京都に行きます.
CREATE FUNCTION message_lexemes(body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT to_tsvector('simple', fold_name(body)) || array_to_tsvector(ARRAY(
        SELECT DISTINCT substr(run[1], i, n)
        FROM regexp_matches(body, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+', 'g') AS run,
             generate_series(1, length(run[1])) AS i, generate_series(1, 2) AS n
        WHERE length(substr(run[1], i, n)) = n))
    $$;

-- The query for what a member typed, built the same way: every word (folded) and,
-- for those scripts, each pair of characters (or the one character) must be there.
CREATE FUNCTION message_query(typed text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT CASE WHEN grams.q IS NULL THEN plainto_tsquery('simple', words.t)
                WHEN words.t ~ '^[[:space:][:punct:]]*$' THEN grams.q
                ELSE plainto_tsquery('simple', words.t) && grams.q END
    FROM (SELECT fold_name(regexp_replace(typed,
              '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+', ' ', 'g')) AS t) AS words,
         (SELECT string_agg(quote_literal(gram), ' & ')::tsquery AS q FROM (
              SELECT CASE WHEN length(run[1]) = 1 THEN run[1] ELSE substr(run[1], i, 2) END AS gram
              FROM regexp_matches(typed, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+', 'g') AS run,
                   generate_series(1, greatest(length(run[1]) - 1, 1)) AS i) AS g) AS grams
    $$;

-- Only what can be found: the text of a message not deleted (its body is then
-- empty) and not removed by a moderator. Notes have no words worth finding.
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    CASE WHEN kind = 'text' AND removed_at IS NULL THEN message_lexemes(body) END) STORED;
CREATE INDEX messages_search ON messages USING gin (search);
