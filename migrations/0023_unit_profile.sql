-- The unit's own data (单位信息, issue 13 item 2; API.md "Unit profiles and
-- printable documents"): the registration data can be read again and
-- changed by the unit while it has an editable application, and by the
-- admin.  A version for ETag/If-Match, as applications have, so that two
-- editors do not overwrite each other unawares.  A new name or region
-- reaches the unit's applications through 0007's trigger; the unit's
-- account shows the name too (users.display_name), which the handler
-- changes with it (server/api/applicants.c).
ALTER TABLE applicant_units ADD COLUMN version integer NOT NULL DEFAULT 1;
