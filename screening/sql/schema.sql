-- The warehouse schema. Evaluators write SQL against these tables and views, so this file is a
-- public interface: change it only deliberately, and when you do, raise SCHEMA_VERSION in
-- screening/warehouse.py (with the statements that migrate an existing warehouse).
--
-- Every statement is idempotent (IF NOT EXISTS). screening.warehouse.connect() runs this file in
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
COMMENT ON TABLE uploads IS 'One row per uploaded file that was loaded or refused. The same file uploaded again (same sha256) is not loaded a second time.';
COMMENT ON COLUMN uploads.upload_id IS 'Upload number, increasing: a higher id is a later upload.';
COMMENT ON COLUMN uploads.file_name IS 'File name as uploaded.';
COMMENT ON COLUMN uploads.sha256 IS 'SHA-256 of the file content (hex); names the archived original.';
COMMENT ON COLUMN uploads.size_bytes IS 'File size in bytes.';
COMMENT ON COLUMN uploads.archive_path IS 'Where the original file is archived.';
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
    extra             JSON,
    raw               JSON
);
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
COMMENT ON COLUMN projects.end_date IS 'End date.';
COMMENT ON COLUMN projects.gender_marker IS 'OECD DAC gender equality policy marker as claimed: 0 not targeted, 1 significant, 2 principal.';
COMMENT ON COLUMN projects.gam_code IS 'IASC Gender with Age Marker code, 0 to 4 (humanitarian projects).';
COMMENT ON COLUMN projects.cluster IS 'Humanitarian cluster or sector (Protection, Health, ...).';
COMMENT ON COLUMN projects.status IS 'pipeline, ongoing or completed; NULL when not given or not recognised.';
COMMENT ON COLUMN projects.description_words IS 'Number of words in description.';
COMMENT ON COLUMN projects.extra IS 'JSON object of the columns no canonical field matched: {original header: text}.';
COMMENT ON COLUMN projects.raw IS 'JSON object of every cell of the row as read: {original header: text}.';


CREATE VIEW IF NOT EXISTS projects_current AS
SELECT *
FROM projects
QUALIFY upload_id = max(upload_id) OVER (PARTITION BY channel, project_id);
-- Its column comments are those of projects, copied by screening.warehouse._apply_schema.
COMMENT ON VIEW projects_current IS 'Each project (channel, project_id) as of its latest upload: a newer upload supersedes the rows of older ones, which stay in projects. Same columns as projects.';


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
COMMENT ON TABLE skipped_rows IS 'One row per row read that is not a project (a blank line, a total line).';
COMMENT ON COLUMN skipped_rows.upload_id IS 'The upload the row came from (uploads.upload_id).';
COMMENT ON COLUMN skipped_rows.sheet IS 'Sheet the row was read from.';
COMMENT ON COLUMN skipped_rows.row_number IS 'Row number in the sheet, as Excel shows it.';
COMMENT ON COLUMN skipped_rows.rule IS 'Why it was skipped: row.blank or row.total.';
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
