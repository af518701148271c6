-- The language a member chose (pages follow the `lang` cookie, which sign-in
-- sets from this; emails and pushes will use it): none means their browser's.
ALTER TABLE members ADD COLUMN language text
    CHECK (language IS NULL OR language IN ('en', 'fr', 'de', 'es'));
