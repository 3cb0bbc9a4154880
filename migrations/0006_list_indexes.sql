-- Lists and search that stay fast at any size (issue 9).  GET /applications
-- pages newest first by keyset (a.id < cursor ORDER BY a.id DESC); every
-- filter gets an index that yields its rows in that order, so a page reads
-- about as many index entries as it shows.  kpjdd prepares one statement per
-- filter shape (lib/applist.c), so each plan is made for the filters it has.

CREATE INDEX applications_batch_id       ON applications (batch_id, id);
CREATE INDEX applications_status_id      ON applications (status, id);
CREATE INDEX applications_category_id    ON applications (category, id);
CREATE INDEX applications_applicant_id   ON applications (applicant_id, id);
CREATE INDEX applications_recommender_id ON applications (recommender_id, id);
CREATE INDEX applicant_units_region      ON applicant_units (region_code);

-- Search (`q`, a substring of the unit name or the base name).  Trigrams
-- (pg_trgm) cannot serve one- or two-character searches, the common case in
-- Chinese, and pg_trgm only counts as word characters what the cluster's
-- LC_CTYPE calls alphanumeric (under "C" no Chinese character is).  So an
-- index of our own that needs neither: every character and every pair of
-- adjacent characters of a name (its unigrams and bigrams).  A search for q
-- looks up q itself when it is one character, else all of q's bigrams, and
-- strpos() then checks the candidates: the index narrows, strpos decides.
-- Case-sensitive, as strpos is.
CREATE FUNCTION search_grams(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    n integer := char_length(t);
    grams text[] := '{}';
BEGIN
    FOR i IN 1 .. n LOOP
        grams := grams || substr(t, i, 1);
        IF i < n THEN
            grams := grams || substr(t, i, 2);
        END IF;
    END LOOP;
    RETURN grams;
END
$$;

-- What a search for q looks up: q when one character, else its bigrams.
CREATE FUNCTION search_query_grams(q text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    n integer := char_length(q);
    grams text[] := '{}';
BEGIN
    IF n = 1 THEN
        RETURN ARRAY[q];
    END IF;
    FOR i IN 1 .. n - 1 LOOP
        grams := grams || substr(q, i, 2);
    END LOOP;
    RETURN grams;
END
$$;

CREATE INDEX applicant_units_name_grams ON applicant_units USING gin (search_grams(name));
CREATE INDEX applications_base_name_grams ON applications USING gin (search_grams(base_name));
