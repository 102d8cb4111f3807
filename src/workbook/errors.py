"""Problems found in a book in, `file:line: severity: message` reports out."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Characters XML cannot hold or a terminal would act on: C0 controls but tab and newline, DEL, C1
# controls, lone surrogates and the non-characters U+FFFE/U+FFFF. They reach the EPUB's XML and
# the terminal's messages, so they are refused wherever a book's text is loaded and escaped in
# every message (Diagnostic.__str__).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Diagnostic:
    """One problem with a place: the file (relative to the book), a line, a message."""

    file: str
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        """The report line; control characters (a terminal would obey ESC sequences) shown as escapes."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return escape_controls(f"{where}: {self.severity}: {self.message}")


class WorkbookError(Exception):
    """The one base of every error the user can cause; carries all diagnostics found."""

    def __init__(self, diagnostics: Iterable[Diagnostic] | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic("workbook", None, diagnostics)]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ConfigError(WorkbookError):
    """book.yaml (or a chapter's front matter) is not valid."""


class ManuscriptError(WorkbookError):
    """A chapter cannot be read or converted."""


class OutputError(WorkbookError):
    """An output could not be rendered or written."""


class Report:
    """Collects diagnostics so that all problems are reported at once; the one shape every stage
    reports problems in (`check`, the loader, the converters, the clients list)."""

    def __init__(self, diagnostics: Iterable[Diagnostic] = ()) -> None:
        self.diagnostics: list[Diagnostic] = list(diagnostics)

    def error(self, file: str, line: int | None, message: str) -> None:
        self.diagnostics.append(Diagnostic(file, line, message, "error"))

    def warning(self, file: str, line: int | None, message: str) -> None:
        self.diagnostics.append(Diagnostic(file, line, message, "warning"))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def failed(self, strict: bool = False) -> bool:
        """Errors found (with `strict`, warnings count as errors)."""
        return bool(self.errors or (strict and self.warnings))

    def summary(self, ok: str = "ok") -> str:
        """One line: '2 errors, 1 warning in 2 files', or `ok` when nothing was found."""
        errors, warnings = len(self.errors), len(self.warnings)
        if not errors and not warnings:
            return ok
        files = list(dict.fromkeys(d.file for d in self.diagnostics))
        return (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
                f"in {len(files)} file{'s' * (len(files) != 1)}")


def escape_controls(text: str) -> str:
    """`text` with control characters (see CONTROL_CHARACTERS) written as visible escapes: \\x1b, \\ufffe."""
    def escape(match: re.Match) -> str:
        code = ord(match[0])
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return CONTROL_CHARACTERS.sub(escape, text)

