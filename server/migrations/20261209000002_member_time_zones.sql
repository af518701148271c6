-- Each member's time zone, for what the portal writes outside their browser
-- (emails, pushes): the one their browser last reported, unless they chose one.
ALTER TABLE members
    ADD COLUMN time_zone text CHECK (length(time_zone) BETWEEN 1 AND 64),
    ADD COLUMN time_zone_chosen boolean NOT NULL DEFAULT false;
