-- A member's language is now kept whether they chose it or not: emails and
-- pushes speak the language they last signed in with, and only a language they
-- chose follows them to another browser (as `time_zone_chosen` does for zones).
ALTER TABLE members ADD COLUMN language_chosen boolean NOT NULL DEFAULT false;
UPDATE members SET language_chosen = true WHERE language IS NOT NULL;
