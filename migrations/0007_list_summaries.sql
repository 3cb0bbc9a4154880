-- Lists that read one table (issue 9).  A page of GET /applications joined
-- four tables for names and filtered the region through a join, so every
-- execution planned a five-way join (most of its time) and the region
-- filter could use no index of applications.  The unit's name and region
-- now live on the application too, kept by triggers, so a page reads
-- applications alone in keyset order and fetches the few names it shows by
-- primary key.

ALTER TABLE applications ADD COLUMN unit_name text, ADD COLUMN region_code integer REFERENCES regions;
UPDATE applications a SET unit_name = u.name, region_code = u.region_code
  FROM applicant_units u WHERE u.id = a.applicant_id;
ALTER TABLE applications ALTER COLUMN unit_name SET NOT NULL, ALTER COLUMN region_code SET NOT NULL;

-- A new application (or one moved to another unit) takes its unit's.
CREATE FUNCTION applications_take_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT name, region_code INTO NEW.unit_name, NEW.region_code
      FROM applicant_units WHERE id = NEW.applicant_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER applications_take_unit BEFORE INSERT OR UPDATE OF applicant_id ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_take_unit();

-- A unit renamed or moved: its applications follow, as the joins did.
CREATE FUNCTION applicant_units_give_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE applications SET unit_name = NEW.name, region_code = NEW.region_code
     WHERE applicant_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER applicant_units_give_applications AFTER UPDATE OF name, region_code ON applicant_units
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.region_code IS DISTINCT FROM NEW.region_code)
    EXECUTE FUNCTION applicant_units_give_applications();

CREATE INDEX applications_region_id ON applications (region_code, id);
CREATE INDEX applications_status_region_id ON applications (status, region_code, id);
DROP INDEX applicant_units_region;
-- The CSV export's order (region, unit, id): read in order, not sorted on
-- disk (100,000 rows spilled 6.6 MB with the default work_mem).
CREATE INDEX applications_export_order ON applications (region_code, unit_name, id);

-- Search (`q`, a substring of the unit name or the base name): one index
-- over both names of the application, with the grams of 0006 (every
-- character and every pair of adjacent characters; strpos() decides among
-- the rows having all of a search's grams).
-- Pairs, not single characters: a search for digits ("1008") among names
-- that nearly all hold digits finds a few dozen candidates by its pairs and
-- tens of thousands by its characters.  search_grams is rewritten in SQL
-- (a third faster than 0006's plpgsql; same grams); it runs when a name is
-- written, never per row read: lib/applist.c evaluates it only through the
-- index.
DROP INDEX applicant_units_name_grams;
DROP INDEX applications_base_name_grams;
CREATE OR REPLACE FUNCTION search_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array(SELECT substr(t, i, 1) FROM generate_series(1, char_length(t)) i
                 UNION ALL
                 SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) i)
$$;
-- What a search looks up: q when one or two characters, else three of its
-- pairs (the first, the middle, the last).  Every pair would narrow a
-- little more, but a pair found in nearly every name (市第 in the bench's,
-- 科普 or 基地 in real base names) costs the index more to intersect than
-- it saves: one such pair took a search from 0.45 to 1.1 ms.  strpos()
-- decides anyway.
CREATE OR REPLACE FUNCTION search_query_grams(q text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN char_length(q) <= 2 THEN ARRAY[q]
                ELSE ARRAY(SELECT DISTINCT substr(q, i, 2)
                             FROM unnest(ARRAY[1, (char_length(q) + 1) / 2, char_length(q) - 1]) AS i) END
$$;
CREATE INDEX applications_name_grams ON applications
    USING gin (search_grams(unit_name || E'\n' || coalesce(base_name, '')));
-- A search's first step reads the names of the newest rows in order
-- (lib/applist.c): from this index alone wherever the pages are
-- all-visible, as most are once vacuumed.
CREATE INDEX applications_names_by_id ON applications (id) INCLUDE (unit_name, base_name);
