-- Annual reports (年度科普工作报告, issue 12): each year of its term a named
-- base files its figures and highlights, once per year, and may correct
-- them until the programme office evaluates the report (年度科普绩效评估:
-- a score, a grade, comments), after which the report is closed.  The
-- handler judges every rule first and answers the field at fault; the
-- CHECKs are the backstop.  Files attached to a report are attachments of
-- kind annual_report (server/api/attachments.c), held by the report
-- instead of an application.
CREATE TABLE annual_reports (
    id             bigserial PRIMARY KEY,
    base_id        bigint NOT NULL REFERENCES bases,
    year           integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    open_days      integer NOT NULL CHECK (open_days BETWEEN 0 AND 366),
    visitors       bigint NOT NULL CHECK (visitors >= 0),
    activities     bigint NOT NULL CHECK (activities >= 0),
    staff_fulltime bigint NOT NULL CHECK (staff_fulltime >= 0),
    staff_parttime bigint NOT NULL CHECK (staff_parttime >= 0),
    volunteers     bigint NOT NULL CHECK (volunteers >= 0),
    funding_wan    numeric NOT NULL CHECK (funding_wan >= 0),
    highlights     text NOT NULL CHECK (char_length(highlights) <= 3000),
    filed_by       bigint NOT NULL REFERENCES users,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    score          numeric CHECK (score BETWEEN 0 AND 100 AND scale(score) <= 2),
    grade          text CHECK (grade IN ('excellent', 'good', 'qualified', 'unqualified')),
    comments       text CHECK (char_length(comments) <= 2000),
    evaluated_by   bigint REFERENCES users,
    evaluated_at   timestamptz,
    UNIQUE (base_id, year),
    CONSTRAINT annual_reports_evaluation_whole
        CHECK ((evaluated_at IS NULL) = (score IS NULL)
               AND (evaluated_at IS NULL) = (grade IS NULL)
               AND (evaluated_at IS NULL) = (comments IS NULL)
               AND (evaluated_at IS NULL) = (evaluated_by IS NULL))
);
-- The admin's list pages by id within a year (region and category are the
-- base's: bases_region_category), evaluated or not.
CREATE INDEX annual_reports_year ON annual_reports (year, id);
CREATE INDEX annual_reports_unevaluated ON annual_reports (year, id) WHERE evaluated_at IS NULL;
CREATE INDEX annual_reports_evaluated ON annual_reports (year, id) WHERE evaluated_at IS NOT NULL;

-- An attachment belongs to an application or to an annual report, never both.
ALTER TABLE attachments ALTER COLUMN application_id DROP NOT NULL,
    ADD COLUMN annual_report_id bigint REFERENCES annual_reports,
    DROP CONSTRAINT attachments_kind_check,
    ADD CONSTRAINT attachments_kind_check
        CHECK (kind IN ('application_form', 'evidence', 'video', 'other', 'onsite_evidence', 'annual_report')),
    ADD CONSTRAINT attachments_one_holder
        CHECK ((application_id IS NULL) <> (annual_report_id IS NULL)
               AND (kind = 'annual_report') = (annual_report_id IS NOT NULL));
CREATE INDEX attachments_annual_report ON attachments (annual_report_id) WHERE complete;
