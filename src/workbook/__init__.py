"""workbook: book folder in, print PDF, EPUB 3 (and more) out. The public library API."""
from __future__ import annotations

from .build import BuildResult, build
from .errors import ConfigError, Diagnostic, ManuscriptError, OutputError, WorkbookError
from .layout.audit import audit_book, audit_pages
from .layout.session import BuildSession
from .model.config import BookConfig, load_config
from .model.manuscript import Chapter, Manuscript
from .source.load import load_book

__version__ = "0.1.0"
__all__ = [
    "build", "BuildResult", "BuildSession", "audit_book", "audit_pages", "load_book", "load_config", "BookConfig",
    "Manuscript", "Chapter",
    "WorkbookError", "ConfigError", "ManuscriptError", "OutputError", "Diagnostic",
]
