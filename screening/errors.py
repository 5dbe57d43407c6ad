"""Domain exceptions, all of them. Library code raises these; only the faces (CLI, web page)
and the flows turn them into messages."""

from __future__ import annotations


class ScreeningError(Exception):
    """Base class: every error the library raises on purpose."""


class UploadRefused(ScreeningError):
    """The whole upload is refused; the message is one sentence that says what was expected.

    Nothing of a refused upload is loaded. `rule` names the refusal in rules/findings.yaml and
    `placeholders` are the values its message template was filled with (`file_name`,
    `detail`), so a face can show or reword the refusal without rendering the template again.
    Build one with `screening.rules.refusal(rule_id, file_name, detail)`.
    """

    def __init__(
        self,
        message: str,
        rule: str = "upload.unreadable",
        placeholders: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.placeholders = dict(placeholders or {})


class ConfigurationError(ScreeningError):
    """A rule file, suite or reference list is missing or malformed."""


class WarehouseError(ScreeningError):
    """The DuckDB warehouse cannot be opened or written as asked."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse; trying again later may succeed."""


class ReportError(ScreeningError):
    """The workbook cannot be written as asked: nothing screened yet, filters that match
    nothing, too many rows for a sheet, or an output path Excel would not open. The message
    says what to do."""


class ProjectNotFound(ScreeningError):
    """No screened project has that ID (or it is ambiguous)."""
