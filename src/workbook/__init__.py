"""workbook: book folder in, print PDF, EPUB 3 (and more) out. The public library API."""
from __future__ import annotations

from .build import BuildResult, build
from .config import BookConfig, load_config
from .errors import ConfigError, Diagnostic, ManuscriptError, OutputError, WorkbookError
from .manuscript import Chapter, Manuscript, load_book

__version__ = "0.1.0"
__all__ = [
    "build", "BuildResult", "load_book", "load_config", "BookConfig", "Manuscript", "Chapter",
    "WorkbookError", "ConfigError", "ManuscriptError", "OutputError", "Diagnostic",
]
