-- The warehouse schema. Evaluators write SQL against these tables and views, so this file is a
-- public interface: change it only deliberately, and when you do, raise SCHEMA_VERSION in
-- screening/warehouse.py (with the statements that migrate an existing warehouse).
--
-- Every statement is idempotent (IF NOT EXISTS, or OR REPLACE for views). screening.warehouse.connect() runs this file in
-- one transaction when a warehouse is older than SCHEMA_VERSION, then records the version.
--
-- Documentation lives in the catalog: every table, view and table column has a COMMENT, so the
-- data dictionary is `SELECT * FROM duckdb_columns()` and travels with the published snapshot.
-- Row numbers are as Excel shows them (1-based; for CSV, the line number).

CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE schema_version IS 'One row per schema version applied to this warehouse; the highest is the current one.';
COMMENT ON COLUMN schema_version.version IS 'Schema version number (screening.warehouse.SCHEMA_VERSION).';
COMMENT ON COLUMN schema_version.applied_at IS 'When this version was applied (UTC).';


CREATE SEQUENCE IF NOT EXISTS upload_id_seq START 1;

CREATE TABLE IF NOT EXISTS uploads (
    upload_id     INTEGER PRIMARY KEY DEFAULT nextval('upload_id_seq'),
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    size_bytes    BIGINT NOT NULL,
    archive_path  VARCHAR,
    channel       VARCHAR,
    uploaded_at   TIMESTAMP NOT NULL,
    uploaded_by   VARCHAR,
    status        VARCHAR NOT NULL CHECK (status IN ('loaded', 'refused')),
    rule          VARCHAR,
    message       VARCHAR,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_loaded   INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_skipped  INTEGER NOT NULL DEFAULT 0,
    rows_merged   INTEGER NOT NULL DEFAULT 0,
    warnings      INTEGER NOT NULL DEFAULT 0,
    -- Nothing lost: every row read is loaded, rejected, skipped or merged into another row.
    CHECK (rows_read = rows_loaded + rows_rejected + rows_skipped + rows_merged)
);
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS portfolio VARCHAR;
-- Schema 10: the options an upload was made with, part of what makes a re-upload a duplicate.
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS chosen_channel VARCHAR;
COMMENT ON TABLE uploads IS 'One row per uploaded file that was loaded or refused. A duplicate (the same content, sha256, with the same chosen_channel into the same portfolio, while that upload is the portfolio''s latest loaded one) is not loaded a second time; a re-upload with other options, or of an older version, is a new version.';
COMMENT ON COLUMN uploads.chosen_channel IS 'The channel the uploader chose for sheets that name none (--channel, or the upload page); NULL when none was chosen.';
COMMENT ON COLUMN uploads.upload_id IS 'Upload number, increasing: a higher id is a later upload.';
COMMENT ON COLUMN uploads.file_name IS 'File name as uploaded.';
COMMENT ON COLUMN uploads.sha256 IS 'SHA-256 of the file content (hex); names the archived original.';
COMMENT ON COLUMN uploads.size_bytes IS 'File size in bytes.';
COMMENT ON COLUMN uploads.archive_path IS 'Where the original file is archived; NULL for a file refused as over the upload limit, which is not kept.';
COMMENT ON COLUMN uploads.channel IS 'Channels of the projects in the file, sorted and comma-separated (e.g. bilateral,humanitarian); NULL for a refused upload.';
COMMENT ON COLUMN uploads.uploaded_at IS 'When the upload was recorded in the warehouse (UTC).';
COMMENT ON COLUMN uploads.uploaded_by IS 'Who uploaded the file.';
COMMENT ON COLUMN uploads.status IS 'loaded (its rows are in projects, rejected_rows, skipped_rows) or refused (nothing of it was loaded).';
COMMENT ON COLUMN uploads.rule IS 'For a refused upload, the refusal rule (an id in screening/rules/findings.yaml); NULL when loaded.';
COMMENT ON COLUMN uploads.message IS 'For a refused upload, the sentence that tells the uploader what was expected; NULL when loaded.';
COMMENT ON COLUMN uploads.rows_read IS 'Rows read under the header lines, blank and total lines included. Equals rows_loaded + rows_rejected + rows_skipped + rows_merged.';
COMMENT ON COLUMN uploads.rows_loaded IS 'Rows loaded into projects.';
COMMENT ON COLUMN uploads.rows_rejected IS 'Rows rejected for one or more errors (each row counted once; rejected_rows has one row per error).';
COMMENT ON COLUMN uploads.rows_skipped IS 'Rows that are not projects (blank lines, total lines); see skipped_rows.';
COMMENT ON COLUMN uploads.rows_merged IS 'Rows merged into another row of the same project (yearly CRS lines of one project); 0 for portfolio workbooks.';
COMMENT ON COLUMN uploads.portfolio IS 'The portfolio this file is a version of: named when uploading (--portfolio), else the file name without its extension, in lower case. The latest upload of a portfolio that loaded any project supersedes its earlier ones in projects_current.';
COMMENT ON COLUMN uploads.warnings IS 'Number of warning findings; warnings do not stop a row from loading.';


CREATE TABLE IF NOT EXISTS projects (
    upload_id         INTEGER NOT NULL REFERENCES uploads (upload_id),
    sheet             VARCHAR NOT NULL,
    row_number        INTEGER NOT NULL,
    channel           VARCHAR NOT NULL,
    project_id        VARCHAR NOT NULL,
    title             VARCHAR,
    description       VARCHAR,
    objectives        VARCHAR,
    indicators        VARCHAR,
    recipient_country VARCHAR,
    recipient_name    VARCHAR,
    sector_code       INTEGER,
    partner           VARCHAR,
    budget            DOUBLE,
    currency          VARCHAR,
    start_date        DATE,
    end_date          DATE,
    gender_marker     TINYINT,
    gam_code          TINYINT,
    cluster           VARCHAR,
    status            VARCHAR,
    description_words INTEGER,
    source            VARCHAR NOT NULL DEFAULT 'workbook',
    is_aggregate      BOOLEAN NOT NULL DEFAULT false,
    extra             JSON,
    raw               JSON
);
-- Schema 2 added source and is_aggregate (published data); older warehouses gain them here.
ALTER TABLE projects ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'workbook';
ALTER TABLE projects ADD COLUMN IF NOT EXISTS is_aggregate BOOLEAN DEFAULT false;
COMMENT ON TABLE projects IS 'One row per loaded project row of every upload: the full history. projects_current keeps the latest upload of each project.';
COMMENT ON COLUMN projects.upload_id IS 'The upload the row came from (uploads.upload_id).';
COMMENT ON COLUMN projects.sheet IS 'Sheet the row was read from (for a CSV, the file name without extension).';
COMMENT ON COLUMN projects.row_number IS 'Row number in the sheet, as Excel shows it.';
COMMENT ON COLUMN projects.channel IS 'bilateral, multilateral or humanitarian.';
COMMENT ON COLUMN projects.project_id IS 'Project identifier as the donor writes it; unique within a channel of one upload.';
COMMENT ON COLUMN projects.title IS 'Project title.';
COMMENT ON COLUMN projects.description IS 'Project description, the main text screened.';
COMMENT ON COLUMN projects.objectives IS 'Objectives, as written.';
COMMENT ON COLUMN projects.indicators IS 'Results indicators, as written.';
COMMENT ON COLUMN projects.recipient_country IS 'Recipient as ISO 3166 alpha-3 code, or a DAC regional recipient.';
COMMENT ON COLUMN projects.recipient_name IS 'Recipient name (English).';
COMMENT ON COLUMN projects.sector_code IS 'OECD DAC 5-digit purpose code (CRS), e.g. 15170 for women''s rights organisations.';
COMMENT ON COLUMN projects.partner IS 'Implementing partner or channel of delivery.';
COMMENT ON COLUMN projects.budget IS 'Budget (commitment) in currency.';
COMMENT ON COLUMN projects.currency IS 'ISO 4217 currency code of budget.';
COMMENT ON COLUMN projects.start_date IS 'Start date (a month or a year alone reads as its first day).';
COMMENT ON COLUMN projects.end_date IS 'End date (a month or a year alone reads as its last day: 2028 is 2028-12-31).';
COMMENT ON COLUMN projects.gender_marker IS 'OECD DAC gender equality policy marker as claimed: 0 not targeted, 1 significant, 2 principal.';
COMMENT ON COLUMN projects.gam_code IS 'IASC Gender with Age Marker code, 0 to 4 (humanitarian projects).';
COMMENT ON COLUMN projects.cluster IS 'Humanitarian cluster or sector (Protection, Health, ...).';
COMMENT ON COLUMN projects.status IS 'pipeline, ongoing or completed; NULL when not given or not recognised.';
COMMENT ON COLUMN projects.description_words IS 'Number of words in description.';
COMMENT ON COLUMN projects.source IS 'Where the row came from: workbook (a desk officer''s spreadsheet), crs (an OECD CRS extract) or iati (an IATI activity file).';
COMMENT ON COLUMN projects.is_aggregate IS 'True for a CRS line that reports many small activities in bulk: it carries money but no project text, so it is kept for budget totals and never screened.';
COMMENT ON COLUMN projects.extra IS 'JSON object of the columns no canonical field matched: {original header: text}.';
COMMENT ON COLUMN projects.raw IS 'JSON object of every cell of the row as read: {original header: text}.';


CREATE OR REPLACE VIEW projects_current AS
SELECT *
FROM projects
-- Only the latest version of each portfolio counts: a project left out of it (or rejected in
-- it) is no longer current. An upload that loaded nothing supersedes nothing.
WHERE upload_id IN (
    SELECT max(upload_id) FROM uploads
    WHERE status = 'loaded' AND rows_loaded > 0
    GROUP BY portfolio
)
-- Two portfolios holding the same project: the later upload's row.
QUALIFY upload_id = max(upload_id) OVER (PARTITION BY channel, project_id);
-- Its column comments are those of projects, copied by screening.warehouse._apply_schema.
COMMENT ON VIEW projects_current IS 'Each current project as of the latest upload of its portfolio (uploads.portfolio): a newer upload of a portfolio supersedes its older ones, whose rows stay in projects, and a project it no longer holds (or rejects) is no longer current. When two portfolios hold the same project (channel, project_id), the row of the later upload is current. Same columns as projects.';


CREATE TABLE IF NOT EXISTS rejected_rows (
    upload_id   INTEGER NOT NULL REFERENCES uploads (upload_id),
    sheet       VARCHAR NOT NULL,
    row_number  INTEGER NOT NULL,
    column_name VARCHAR,
    value       VARCHAR,
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,
    message     VARCHAR NOT NULL,
    raw         JSON
);
COMMENT ON TABLE rejected_rows IS 'One row per rejected row and error: a row rejected for two errors has two rows here (and counts once in uploads.rows_rejected).';
COMMENT ON COLUMN rejected_rows.upload_id IS 'The upload the row came from (uploads.upload_id).';
COMMENT ON COLUMN rejected_rows.sheet IS 'Sheet the row was read from.';
COMMENT ON COLUMN rejected_rows.row_number IS 'Row number in the sheet, as Excel shows it.';
COMMENT ON COLUMN rejected_rows.column_name IS 'Canonical field at fault (e.g. budget).';
COMMENT ON COLUMN rejected_rows.value IS 'The offending value as read.';
COMMENT ON COLUMN rejected_rows.rule IS 'Rule broken (an id in screening/rules/findings.yaml).';
COMMENT ON COLUMN rejected_rows.severity IS 'Always error: errors reject a row.';
COMMENT ON COLUMN rejected_rows.message IS 'What is wrong and what would be right, for the desk officer.';
COMMENT ON COLUMN rejected_rows.raw IS 'JSON object of every cell of the row as read: {original header: text}.';


CREATE TABLE IF NOT EXISTS skipped_rows (
    upload_id  INTEGER NOT NULL REFERENCES uploads (upload_id),
    sheet      VARCHAR NOT NULL,
    row_number INTEGER NOT NULL,
    rule       VARCHAR NOT NULL,
    message    VARCHAR,
    raw        JSON
);
COMMENT ON TABLE skipped_rows IS 'One row per row read that is not a project (a blank line, a total line, a heading, a source or note line).';
COMMENT ON COLUMN skipped_rows.upload_id IS 'The upload the row came from (uploads.upload_id).';
COMMENT ON COLUMN skipped_rows.sheet IS 'Sheet the row was read from.';
COMMENT ON COLUMN skipped_rows.row_number IS 'Row number in the sheet, as Excel shows it.';
COMMENT ON COLUMN skipped_rows.rule IS 'Why it was skipped: row.blank, row.total, row.heading (a region or section heading) or row.note (a source or footnote line).';
COMMENT ON COLUMN skipped_rows.message IS 'The skip explained, as reported to the uploader.';
COMMENT ON COLUMN skipped_rows.raw IS 'JSON object of every cell of the row as read: {original header: text}.';


CREATE TABLE IF NOT EXISTS findings (
    upload_id   INTEGER NOT NULL REFERENCES uploads (upload_id),
    sheet       VARCHAR,
    row_number  INTEGER,
    column_name VARCHAR,
    value       VARCHAR,
    rule        VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL CHECK (severity IN ('refuse', 'error', 'warning', 'skip', 'info')),
    message     VARCHAR NOT NULL
);
COMMENT ON TABLE findings IS 'Every finding of every loaded upload, all severities: errors of rejected rows, warnings of loaded rows, skips, and information about sheets.';
COMMENT ON COLUMN findings.upload_id IS 'The upload (uploads.upload_id).';
COMMENT ON COLUMN findings.sheet IS 'Sheet concerned; NULL for a finding about the whole file.';
COMMENT ON COLUMN findings.row_number IS 'Row number in the sheet, as Excel shows it; NULL for a finding about a sheet or the file.';
COMMENT ON COLUMN findings.column_name IS 'Canonical field concerned, if any.';
COMMENT ON COLUMN findings.value IS 'The value concerned, as read.';
COMMENT ON COLUMN findings.rule IS 'Rule id in screening/rules/findings.yaml (title and description there).';
COMMENT ON COLUMN findings.severity IS 'error (row rejected), warning (row loaded), skip (not a project), info (about a sheet or the file).';
COMMENT ON COLUMN findings.message IS 'The finding in words, for the desk officer.';


CREATE TABLE IF NOT EXISTS upload_columns (
    upload_id     INTEGER NOT NULL REFERENCES uploads (upload_id),
    sheet         VARCHAR NOT NULL,
    header_row    INTEGER,
    column_letter VARCHAR NOT NULL,
    header        VARCHAR NOT NULL,
    field         VARCHAR
);
COMMENT ON TABLE upload_columns IS 'One row per column of each sheet read from a workbook or CSV: its header as written and the canonical field it was recognised as, so a desk officer sees which columns were read as what, and which not.';
COMMENT ON COLUMN upload_columns.upload_id IS 'The upload (uploads.upload_id).';
COMMENT ON COLUMN upload_columns.sheet IS 'Sheet the column is in.';
COMMENT ON COLUMN upload_columns.header_row IS 'Row number of the header (its first line, for a header over two rows), as Excel shows it.';
COMMENT ON COLUMN upload_columns.column_letter IS 'Column letter as Excel shows it (A, B, ..., AA).';
COMMENT ON COLUMN upload_columns.header IS 'The header as written (two header lines joined); "column F" for a column without a header that holds data.';
COMMENT ON COLUMN upload_columns.field IS 'The canonical field the header was recognised as (screening/rules/fields.yaml); NULL when it was not recognised: its cells are kept in projects.extra.';


CREATE TABLE IF NOT EXISTS crs_lines (
    upload_id        INTEGER NOT NULL REFERENCES uploads (upload_id),
    sheet            VARCHAR NOT NULL,
    row_number       INTEGER NOT NULL,
    crs_key          VARCHAR,
    year             INTEGER,
    usd_commitment   DOUBLE,
    usd_disbursement DOUBLE,
    project_row      INTEGER,
    merged_into      INTEGER,
    is_aggregate     BOOLEAN,
    skip_rule        VARCHAR,
    raw              JSON
);
COMMENT ON TABLE crs_lines IS 'One row per line of an OECD CRS extract (one line per activity and report year), kept as read; the lines of one activity are merged into one project in projects.';
COMMENT ON COLUMN crs_lines.upload_id IS 'The upload (uploads.upload_id).';
COMMENT ON COLUMN crs_lines.sheet IS 'Sheet the line was read from.';
COMMENT ON COLUMN crs_lines.row_number IS 'Row number in the sheet, as Excel shows it.';
COMMENT ON COLUMN crs_lines.crs_key IS 'The activity key the lines were merged on (ActivityId, else donor, agency, project number and recipient).';
COMMENT ON COLUMN crs_lines.year IS 'Report year of the line.';
COMMENT ON COLUMN crs_lines.usd_commitment IS 'Commitment reported that year (USD, as in the extract).';
COMMENT ON COLUMN crs_lines.usd_disbursement IS 'Disbursement reported that year (USD, as in the extract).';
COMMENT ON COLUMN crs_lines.project_row IS 'Row number of the project row this line belongs to (projects.row_number in the same upload and sheet).';
COMMENT ON COLUMN crs_lines.merged_into IS 'For a line folded into another line''s project, that project''s row number; NULL on the line that became the project row.';
COMMENT ON COLUMN crs_lines.is_aggregate IS 'True for an aggregate line (many small activities reported in bulk).';
COMMENT ON COLUMN crs_lines.skip_rule IS 'Why the line was skipped, if it was.';
COMMENT ON COLUMN crs_lines.raw IS 'JSON object of every cell of the line as read.';


CREATE TABLE IF NOT EXISTS rubrics (
    rubric_version    VARCHAR PRIMARY KEY,
    name              VARCHAR,
    criteria          INTEGER,
    first_screened_at TIMESTAMP,
    last_screened_at  TIMESTAMP,
    rubric_yaml       VARCHAR
);
COMMENT ON TABLE rubrics IS 'One row per rubric version that screened projects here; the rubric text is kept so a result can be explained with the rubric it was reached by.';
COMMENT ON COLUMN rubrics.rubric_version IS 'Content hash of the rubric, its reference lists and the matching engine''s version (e.g. wps-1a2b3c4d5e6f).';
COMMENT ON COLUMN rubrics.name IS 'Rubric name.';
COMMENT ON COLUMN rubrics.criteria IS 'Number of criteria in the rubric.';
COMMENT ON COLUMN rubrics.first_screened_at IS 'When this version first screened projects here (UTC).';
COMMENT ON COLUMN rubrics.last_screened_at IS 'When this version last screened projects here (UTC); the latest is the current rubric.';
COMMENT ON COLUMN rubrics.rubric_yaml IS 'The rubric as YAML, as it was used.';


CREATE TABLE IF NOT EXISTS screening_results (
    upload_id       INTEGER NOT NULL,
    sheet           VARCHAR NOT NULL,
    row_number      INTEGER NOT NULL,
    project_id      VARCHAR NOT NULL,
    channel         VARCHAR,
    rubric_version  VARCHAR NOT NULL,
    participation   TINYINT,
    protection      TINYINT,
    prevention      TINYINT,
    relief_recovery TINYINT,
    wps_relevant    BOOLEAN,
    wps_setting     BOOLEAN,
    marker_scheme   VARCHAR,
    marker_claimed  TINYINT,
    marker_assessed TINYINT,
    marker_flag     VARCHAR,
    gender_score    DOUBLE,
    confidence      VARCHAR,
    word_count      INTEGER,
    summary         VARCHAR,
    screened_at     TIMESTAMP NOT NULL
);
-- Schema 10 records why a project is in a WPS setting (codebook rule 1).
ALTER TABLE screening_results ADD COLUMN IF NOT EXISTS setting_basis VARCHAR;
COMMENT ON TABLE screening_results IS 'One row per current project and rubric version: what the project does for Women, Peace and Security and gender equality, as the evidence in screening_evidence supports. Results of superseded project rows are removed when a newer upload replaces them.';
COMMENT ON COLUMN screening_results.upload_id IS 'The upload of the project row screened (with sheet and row_number, the key into projects).';
COMMENT ON COLUMN screening_results.sheet IS 'Sheet of the project row screened.';
COMMENT ON COLUMN screening_results.row_number IS 'Row number of the project row screened.';
COMMENT ON COLUMN screening_results.project_id IS 'Project identifier.';
COMMENT ON COLUMN screening_results.channel IS 'bilateral, multilateral or humanitarian.';
COMMENT ON COLUMN screening_results.rubric_version IS 'The rubric version the result was reached with (rubrics.rubric_version).';
COMMENT ON COLUMN screening_results.participation IS 'UNSCR 1325 participation pillar: 0 absent, 1 passing mention, 2 explicit aim or component.';
COMMENT ON COLUMN screening_results.protection IS 'UNSCR 1325 protection pillar: 0 absent, 1 passing mention, 2 explicit aim or component.';
COMMENT ON COLUMN screening_results.prevention IS 'UNSCR 1325 prevention pillar: 0 absent, 1 passing mention, 2 explicit aim or component.';
COMMENT ON COLUMN screening_results.relief_recovery IS 'UNSCR 1325 relief and recovery pillar: 0 absent, 1 passing mention, 2 explicit aim or component.';
COMMENT ON COLUMN screening_results.wps_relevant IS 'True when the evidence shows the project works on Women, Peace and Security.';
COMMENT ON COLUMN screening_results.wps_setting IS 'True when the project is in a fragile or conflict-affected setting (recipient on the fragility list of its years, conflict or crisis named in the text, or humanitarian); setting_basis says which.';
COMMENT ON COLUMN screening_results.setting_basis IS 'Why wps_setting holds, the first basis that applies: list: <list and edition> (the recipient is on the fragile-contexts list of the project''s years, e.g. list: OECD States of Fragility 2020), text (the text describes conflict, displacement or a crisis), humanitarian (humanitarian channel or purpose code), or none. NULL for results screened before schema 10.';
COMMENT ON COLUMN screening_results.marker_scheme IS 'dac (OECD DAC gender marker) or gam (IASC Gender with Age Marker, humanitarian).';
COMMENT ON COLUMN screening_results.marker_claimed IS 'The marker the donor claimed: DAC 0-2, or for humanitarian projects the GAM code 0-4; NULL when none.';
COMMENT ON COLUMN screening_results.marker_assessed IS 'DAC marker the evidence supports (0 not targeted, 1 significant, 2 principal) under the DAC definitions and minimum criteria.';
COMMENT ON COLUMN screening_results.marker_flag IS 'consistent, overclaimed, underclaimed, or not_screened (no marker claimed, or an aggregate line). GAM 3-4 counts as a gender claim, 0-2 as none.';
COMMENT ON COLUMN screening_results.gender_score IS 'Weighted sum of the gender evidence behind marker_assessed.';
COMMENT ON COLUMN screening_results.confidence IS 'low (text too short or generic to judge), medium or high.';
COMMENT ON COLUMN screening_results.word_count IS 'Words of text the screening read (title, description, objectives, indicators).';
COMMENT ON COLUMN screening_results.summary IS 'The result in one plain line.';
COMMENT ON COLUMN screening_results.screened_at IS 'When the project was screened (UTC).';


CREATE TABLE IF NOT EXISTS screening_evidence (
    upload_id      INTEGER NOT NULL,
    sheet          VARCHAR NOT NULL,
    row_number     INTEGER NOT NULL,
    project_id     VARCHAR NOT NULL,
    rubric_version VARCHAR NOT NULL,
    criterion      VARCHAR NOT NULL,
    framework      VARCHAR,
    field          VARCHAR,
    matched_text   VARCHAR,
    direction      VARCHAR,
    pillar         VARCHAR,
    role           VARCHAR,
    weight         DOUBLE,
    context        VARCHAR
);
-- Schema 10: the role of the sentence the evidence stands in (codebook rule 3).
ALTER TABLE screening_evidence ADD COLUMN IF NOT EXISTS sentence_role VARCHAR;
COMMENT ON TABLE screening_evidence IS 'One row per criterion matched in a project: the evidence behind screening_results, for and against.';
COMMENT ON COLUMN screening_evidence.upload_id IS 'The upload of the project row (with sheet and row_number, the key into projects and screening_results).';
COMMENT ON COLUMN screening_evidence.sheet IS 'Sheet of the project row.';
COMMENT ON COLUMN screening_evidence.row_number IS 'Row number of the project row.';
COMMENT ON COLUMN screening_evidence.project_id IS 'Project identifier.';
COMMENT ON COLUMN screening_evidence.rubric_version IS 'The rubric version (rubrics.rubric_version).';
COMMENT ON COLUMN screening_evidence.criterion IS 'Criterion id in the rubric (docs/rubric.md).';
COMMENT ON COLUMN screening_evidence.framework IS 'The framework and paragraph the criterion comes from.';
COMMENT ON COLUMN screening_evidence.field IS 'Where the evidence is: title, description, objectives, indicators, sector_code, partner, recipient_country or channel.';
COMMENT ON COLUMN screening_evidence.matched_text IS 'The words (or code) matched.';
COMMENT ON COLUMN screening_evidence.direction IS 'for, or against (negated, boilerplate, a safeguard only, a beneficiary list).';
COMMENT ON COLUMN screening_evidence.pillar IS 'The UNSCR 1325 pillar the criterion feeds, if any.';
COMMENT ON COLUMN screening_evidence.role IS 'What the criterion stands for in the rubric (a pillar, a DAC minimum criterion, context, counter-evidence).';
COMMENT ON COLUMN screening_evidence.weight IS 'The criterion''s weight in the gender score.';
COMMENT ON COLUMN screening_evidence.sentence_role IS 'What the sentence holding the phrase says about the project, from the rubric''s role cues (comma-separated): main_aim, aim, activity, target, primary_group, risk; none when no cue; none for codes, partners and countries. An aim, activity, target or primary target group makes a pillar phrase explicit (2), a risk or context sentence passing (1); the title, objectives and indicators are explicit by themselves. NULL for evidence stored before schema 10.';
COMMENT ON COLUMN screening_evidence.context IS 'The text around the match.';


CREATE TABLE IF NOT EXISTS exchange_rates (
    year     INTEGER,
    currency VARCHAR,
    per_usd  DOUBLE,
    status   VARCHAR,
    source   VARCHAR
);
COMMENT ON TABLE exchange_rates IS 'Annual average exchange rates, units of currency per US dollar (data/reference/exchange_rates.csv, refreshed at every screening).';
COMMENT ON COLUMN exchange_rates.year IS 'Year.';
COMMENT ON COLUMN exchange_rates.currency IS 'ISO 4217 code.';
COMMENT ON COLUMN exchange_rates.per_usd IS 'Units of the currency per US dollar, annual average.';
COMMENT ON COLUMN exchange_rates.status IS 'final (a published annual average), or provisional (an estimate to replace: the latest years).';
COMMENT ON COLUMN exchange_rates.source IS 'Where the rate comes from.';


-- The rubric that screened most recently is the current one.
CREATE OR REPLACE VIEW screening_current AS
SELECT r.*
FROM screening_results r
JOIN projects_current p USING (upload_id, sheet, row_number)
WHERE r.rubric_version = (SELECT rubric_version FROM rubrics ORDER BY last_screened_at DESC LIMIT 1);
COMMENT ON VIEW screening_current IS 'screening_results of the current projects under the current rubric (the one that screened most recently). Same columns as screening_results.';

CREATE OR REPLACE VIEW projects_usd AS
SELECT p.*, year_used, p.budget / own.per_usd AS budget_usd
FROM (
    SELECT pc.*, least(greatest(coalesce(year(pc.start_date), year(pc.end_date), b.hi), b.lo), b.hi)
               AS year_used
    FROM projects_current pc, (SELECT min(year) AS lo, max(year) AS hi FROM exchange_rates) b
) p
LEFT JOIN exchange_rates own ON own.currency = upper(p.currency) AND own.year = p.year_used;
COMMENT ON VIEW projects_usd IS 'projects_current with each budget in US dollars (budget_usd), at the annual average rate of the start year (clamped to the years in exchange_rates); budget_usd is NULL for a currency without a rate.';
COMMENT ON COLUMN projects_usd.year_used IS 'The year whose exchange rate converts the budget: the start year (else the end year), clamped to the years in exchange_rates.';
COMMENT ON COLUMN projects_usd.budget_usd IS 'budget in US dollars at the annual average rate of year_used; NULL for a currency without a rate.';

CREATE OR REPLACE VIEW summary_pillars AS
WITH long AS (
    UNPIVOT (
        SELECT p.recipient_country, p.recipient_name, s.channel,
               coalesce(year(p.start_date), year(p.end_date)) AS year, p.budget, p.budget_usd,
               s.participation, s.protection, s.prevention, s.relief_recovery
        FROM screening_current s
        JOIN projects_usd p USING (upload_id, sheet, row_number)
    )
    ON participation, protection, prevention, relief_recovery
    INTO NAME pillar VALUE level
)
SELECT recipient_country, any_value(recipient_name) AS recipient_name, channel, year, pillar,
       count(*) AS projects,
       count(*) FILTER (WHERE level = 1) AS passing,
       count(*) FILTER (WHERE level = 2) AS explicit,
       round(count(*) FILTER (WHERE level >= 1) / count(*), 4) AS share_any,
       coalesce(sum(budget_usd), 0) AS budget_usd,
       coalesce(sum(budget_usd) FILTER (WHERE level = 1), 0) AS budget_usd_passing,
       coalesce(sum(budget_usd) FILTER (WHERE level = 2), 0) AS budget_usd_explicit,
       count(*) FILTER (WHERE budget_usd IS NULL AND budget IS NOT NULL) AS budget_unconverted
FROM long
GROUP BY recipient_country, channel, year, pillar
ORDER BY recipient_country, channel, year, pillar;
COMMENT ON VIEW summary_pillars IS 'Per recipient country, channel, start year and UNSCR 1325 pillar: projects by level (passing mention, explicit) and budgets in USD, for the current projects under the current rubric.';
COMMENT ON COLUMN summary_pillars.recipient_country IS 'Recipient (ISO 3166 alpha-3, or a DAC regional recipient).';
COMMENT ON COLUMN summary_pillars.recipient_name IS 'Recipient name (English).';
COMMENT ON COLUMN summary_pillars.channel IS 'bilateral, multilateral or humanitarian.';
COMMENT ON COLUMN summary_pillars.year IS 'Start year of the projects (else end year).';
COMMENT ON COLUMN summary_pillars.pillar IS 'UNSCR 1325 pillar: participation, protection, prevention or relief_recovery.';
COMMENT ON COLUMN summary_pillars.projects IS 'Number of projects.';
COMMENT ON COLUMN summary_pillars.passing IS 'Projects with a passing mention of the pillar (level 1).';
COMMENT ON COLUMN summary_pillars.explicit IS 'Projects with the pillar as an explicit aim or component (level 2).';
COMMENT ON COLUMN summary_pillars.share_any IS 'Share of the projects with the pillar at level 1 or 2.';
COMMENT ON COLUMN summary_pillars.budget_usd IS 'Budget of the projects, USD.';
COMMENT ON COLUMN summary_pillars.budget_usd_passing IS 'Budget of the projects at level 1, USD.';
COMMENT ON COLUMN summary_pillars.budget_usd_explicit IS 'Budget of the projects at level 2, USD.';
COMMENT ON COLUMN summary_pillars.budget_unconverted IS 'Projects with a budget that could not be converted to USD (no rate for the currency); projects without a budget are not counted.';

CREATE OR REPLACE VIEW summary_markers AS
SELECT s.channel, p.recipient_country, s.marker_flag,
       count(*) AS projects,
       coalesce(sum(p.budget_usd), 0) AS budget_usd,
       count(*) FILTER (WHERE s.marker_assessed = 2) AS assessed_principal,
       count(*) FILTER (WHERE s.marker_assessed = 1) AS assessed_significant,
       count(*) FILTER (WHERE s.confidence = 'low') AS low_confidence
FROM screening_current s
JOIN projects_usd p USING (upload_id, sheet, row_number)
GROUP BY ALL
ORDER BY ALL;
COMMENT ON VIEW summary_markers IS 'Per channel, recipient country and marker flag (consistent, overclaimed, underclaimed, not_screened): projects and budgets in USD, for the current projects under the current rubric.';
COMMENT ON COLUMN summary_markers.channel IS 'bilateral, multilateral or humanitarian.';
COMMENT ON COLUMN summary_markers.recipient_country IS 'Recipient (ISO 3166 alpha-3, or a DAC regional recipient).';
COMMENT ON COLUMN summary_markers.marker_flag IS 'consistent, overclaimed, underclaimed or not_screened.';
COMMENT ON COLUMN summary_markers.projects IS 'Number of projects.';
COMMENT ON COLUMN summary_markers.budget_usd IS 'Budget of the projects, USD.';
COMMENT ON COLUMN summary_markers.assessed_principal IS 'Projects the evidence supports as principal (2).';
COMMENT ON COLUMN summary_markers.assessed_significant IS 'Projects the evidence supports as significant (1).';
COMMENT ON COLUMN summary_markers.low_confidence IS 'Projects whose text was too short or generic to judge with confidence.';

CREATE TABLE IF NOT EXISTS benchmarks (
    benchmark_id  VARCHAR PRIMARY KEY,
    label         VARCHAR NOT NULL,
    share         DOUBLE NOT NULL,
    scope         VARCHAR,
    levels        INTEGER[],
    purpose_codes INTEGER[]
);
COMMENT ON TABLE benchmarks IS 'The reference figures the portfolio''s shares are read beside (OECD DAC averages, the UN 15% peacebuilding target), as the current rubric declares them (its benchmarks section); refreshed each time projects are screened.';
COMMENT ON COLUMN benchmarks.benchmark_id IS 'The benchmark''s id in the rubric (dac_gender_any, dac_gender_principal, un_peacebuilding_15, ...).';
COMMENT ON COLUMN benchmarks.label IS 'What the figure is, with its source and years.';
COMMENT ON COLUMN benchmarks.share IS 'The figure, as a share (0.42 for 42%).';
COMMENT ON COLUMN benchmarks.scope IS 'The projects it applies to: all, fragile (fragile and conflict-affected contexts) or peacebuilding.';
COMMENT ON COLUMN benchmarks.levels IS 'The gender marker levels it counts (1 significant, 2 principal).';
COMMENT ON COLUMN benchmarks.purpose_codes IS 'For a sector benchmark, the DAC purpose codes of the sector (peacebuilding: 152xx).';

-- One definition for the whole portfolio (the view) and for part of it (the macro, with lists
-- of recipient codes and channels; NULL means all).
CREATE OR REPLACE MACRO gender_shares(countries := NULL, channels := NULL) AS TABLE
WITH peacebuilding AS (
    SELECT unnest(purpose_codes) AS sector_code FROM benchmarks
    WHERE benchmark_id = 'un_peacebuilding_15'
), p AS (
    SELECT s.marker_assessed, p.budget_usd,
           p.sector_code IN (SELECT sector_code FROM peacebuilding) AS is_peacebuilding,
           CASE WHEN s.marker_scheme = 'gam' THEN (s.marker_claimed >= 3)::INTEGER
                ELSE s.marker_claimed END AS claimed_dac
    FROM screening_current s
    JOIN projects_usd p USING (upload_id, sheet, row_number)
    WHERE NOT p.is_aggregate
      AND (countries IS NULL OR list_contains(countries, p.recipient_country))
      AND (channels IS NULL OR list_contains(channels, s.channel))
)
SELECT
    count(*) AS projects,
    sum(budget_usd) AS budget_usd,
    coalesce(sum(budget_usd) FILTER (WHERE marker_assessed IN (1, 2)), 0) / sum(budget_usd)
        AS assessed_share_gender,
    coalesce(sum(budget_usd) FILTER (WHERE marker_assessed = 2), 0) / sum(budget_usd)
        AS assessed_share_principal,
    coalesce(sum(budget_usd) FILTER (WHERE claimed_dac IN (1, 2)), 0)
        / sum(budget_usd) FILTER (WHERE claimed_dac IS NOT NULL) AS claimed_share_gender,
    coalesce(sum(budget_usd) FILTER (WHERE claimed_dac = 2), 0)
        / sum(budget_usd) FILTER (WHERE claimed_dac IS NOT NULL) AS claimed_share_principal,
    coalesce(sum(budget_usd) FILTER (WHERE marker_assessed = 2 AND is_peacebuilding), 0)
        / sum(budget_usd) FILTER (WHERE is_peacebuilding) AS peacebuilding_share_principal,
    (SELECT share FROM benchmarks WHERE benchmark_id = 'dac_gender_any')
        AS dac_average_share_gender,
    (SELECT share FROM benchmarks WHERE benchmark_id = 'dac_gender_principal')
        AS dac_average_share_principal,
    (SELECT share FROM benchmarks WHERE benchmark_id = 'un_peacebuilding_15')
        AS un_peacebuilding_target_principal
FROM p;
COMMENT ON MACRO TABLE gender_shares IS 'summary_gender_shares for part of the portfolio: SELECT * FROM gender_shares(countries := [''UGA'', ''SDN''], channels := [''humanitarian'']); either list may be left out (all).';

CREATE OR REPLACE VIEW summary_gender_shares AS SELECT * FROM gender_shares();
COMMENT ON VIEW summary_gender_shares IS 'The portfolio''s shares of budget (USD) that target gender equality (marker 1 or 2) and that have it as principal objective (2), as assessed and as claimed, beside the OECD DAC averages of gender-targeted and principal shares of bilateral allocable aid and, for peacebuilding (the purpose codes of benchmark un_peacebuilding_15), the UN Secretary-General''s target for principal (figures: table benchmarks).';
COMMENT ON COLUMN summary_gender_shares.projects IS 'Projects screened (aggregate lines left out).';
COMMENT ON COLUMN summary_gender_shares.budget_usd IS 'Their budget, USD.';
COMMENT ON COLUMN summary_gender_shares.assessed_share_gender IS 'Share of budget the evidence supports as targeting gender equality (marker 1 or 2).';
COMMENT ON COLUMN summary_gender_shares.assessed_share_principal IS 'Share of budget the evidence supports as principal (2).';
COMMENT ON COLUMN summary_gender_shares.claimed_share_gender IS 'Share of budget the donor marked 1 or 2 (GAM 3-4 for humanitarian), of the budget with a claim.';
COMMENT ON COLUMN summary_gender_shares.claimed_share_principal IS 'Share of budget the donor marked 2, of the budget with a claim.';
COMMENT ON COLUMN summary_gender_shares.peacebuilding_share_principal IS 'Of the peacebuilding budget (DAC 152xx: benchmarks.purpose_codes of un_peacebuilding_15), the share assessed principal.';
COMMENT ON COLUMN summary_gender_shares.dac_average_share_gender IS 'OECD DAC average share of bilateral allocable aid targeting gender equality (benchmark dac_gender_any).';
COMMENT ON COLUMN summary_gender_shares.dac_average_share_principal IS 'OECD DAC average share with gender equality as principal objective (benchmark dac_gender_principal).';
COMMENT ON COLUMN summary_gender_shares.un_peacebuilding_target_principal IS 'UN Secretary-General''s target share of peacebuilding funds to projects with gender equality as principal objective (benchmark un_peacebuilding_15).';
