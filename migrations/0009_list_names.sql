-- The names an application shows, on the application (issue 9).  A list
-- page looked up its recommender's, region's and batch's names by primary
-- key, three lookups a row: 153 a page of 51, half of the page's time in
-- PostgreSQL (0.19 of 0.39 ms).  They are now kept on the row by triggers,
-- as 0007 keeps the unit's name, so a page reads one table and nothing
-- else.  Renaming a recommender, a region or a batch rewrites the rows of
-- its applications: rare, and done by the programme office.

ALTER TABLE applications ADD COLUMN recommender_name text, ADD COLUMN region_name text,
                         ADD COLUMN batch_code text, ADD COLUMN batch_title text;
UPDATE applications a SET recommender_name = r.name, region_name = g.name, batch_code = b.code, batch_title = b.title
  FROM recommenders r, regions g, batches b
 WHERE r.id = a.recommender_id AND g.code = a.region_code AND b.id = a.batch_id;
ALTER TABLE applications ALTER COLUMN recommender_name SET NOT NULL, ALTER COLUMN region_name SET NOT NULL,
                         ALTER COLUMN batch_code SET NOT NULL, ALTER COLUMN batch_title SET NOT NULL;

-- A new application, or one given another unit, recommender, batch or
-- region, takes their names: one trigger for all of them (0007's took the
-- unit's alone), so that the region's name follows the region the unit
-- gives the row.
DROP TRIGGER applications_take_unit ON applications;
DROP FUNCTION applications_take_unit();
CREATE FUNCTION applications_take_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT name, region_code INTO NEW.unit_name, NEW.region_code
      FROM applicant_units WHERE id = NEW.applicant_id;
    SELECT name INTO NEW.region_name FROM regions WHERE code = NEW.region_code;
    SELECT name INTO NEW.recommender_name FROM recommenders WHERE id = NEW.recommender_id;
    SELECT code, title INTO NEW.batch_code, NEW.batch_title FROM batches WHERE id = NEW.batch_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER applications_take_names
    BEFORE INSERT OR UPDATE OF applicant_id, recommender_id, batch_id, region_code ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_take_names();

-- Renamed: the applications follow, as the joins did.
CREATE FUNCTION recommenders_give_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE applications SET recommender_name = NEW.name WHERE recommender_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER recommenders_give_applications AFTER UPDATE OF name ON recommenders
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION recommenders_give_applications();

CREATE FUNCTION regions_give_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE applications SET region_name = NEW.name WHERE region_code = NEW.code;
    RETURN NULL;
END
$$;
CREATE TRIGGER regions_give_applications AFTER UPDATE OF name ON regions
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION regions_give_applications();

CREATE FUNCTION batches_give_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE applications SET batch_code = NEW.code, batch_title = NEW.title WHERE batch_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER batches_give_applications AFTER UPDATE OF code, title ON batches
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION batches_give_applications();
