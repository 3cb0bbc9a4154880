-- Search by runs of three characters (issue 9).  A search of three or more
-- characters looked up three of its pairs, and a pair is common: in the
-- bench's 100,000 names, 第1 stands in 11,112, 武汉 in 3,125, 08 in 2,880,
-- and intersecting those three lists cost the index 0.5 ms for the 23
-- candidates of 武汉市第1008.  Runs of three are rarer (008: 189), so the
-- index now holds them beside the characters and pairs: 0.2 ms for the same
-- search, an index of 21 MB instead of 18.  Searches of one and two
-- characters look themselves up, as before.
DROP INDEX applications_name_grams;
CREATE OR REPLACE FUNCTION search_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array(SELECT substr(t, i, 1) FROM generate_series(1, char_length(t)) i
                 UNION ALL
                 SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) i
                 UNION ALL
                 SELECT substr(t, i, 3) FROM generate_series(1, char_length(t) - 2) i)
$$;
-- q itself when three characters or fewer, else three of its runs of
-- three: the first, the middle and the last (not all: a run found in nearly
-- every name, like 科普教 in base names, costs the index more to intersect
-- than it narrows).  strpos() decides among the candidates.
CREATE OR REPLACE FUNCTION search_query_grams(q text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN char_length(q) <= 3 THEN ARRAY[q]
                ELSE ARRAY(SELECT DISTINCT substr(q, i, 3)
                             FROM unnest(ARRAY[1, (char_length(q) - 1) / 2, char_length(q) - 2]) AS i) END
$$;
CREATE INDEX applications_name_grams ON applications
    USING gin (search_grams(unit_name || E'\n' || coalesce(base_name, '')));
