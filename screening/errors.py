"""Domain exceptions. Library code raises these; only the edges (CLI, flows) print them."""


class ScreeningError(Exception):
    """Base class: every error the library raises on purpose."""


class UploadRefused(ScreeningError):
    """The whole upload is refused; the message is one sentence that says what was expected.

    Nothing of a refused upload is loaded. `rule` names the refusal in rules/findings.yaml.
    """

    def __init__(self, message: str, rule: str = "upload.unreadable") -> None:
        super().__init__(message)
        self.rule = rule


class ConfigurationError(ScreeningError):
    """A rule file, suite or reference list is missing or malformed."""


class WarehouseError(ScreeningError):
    """The DuckDB warehouse cannot be opened or written as asked."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse; trying again later may succeed."""
