"""A folder name and a language in, a ready-to-build sample book folder out (`workbook new`)."""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from ..errors import Diagnostic, WorkbookError

SCAFFOLD_DIR = Path(__file__).resolve().parent / "scaffold"


def scaffold_languages() -> list[str]:
    """The languages a new book can be started in (one sample folder each)."""
    return sorted(p.name for p in SCAFFOLD_DIR.iterdir() if (p / "book.yaml").is_file())


def new_book(target: str | Path, language: str = "en", today: dt.date | None = None) -> list[Path]:
    """Write the sample book for `language` into `target` (missing or empty); return the files written.

    book.yaml gets a fresh `urn:uuid:` identifier and today's date.
    """
    target = Path(target)
    source = SCAFFOLD_DIR / language
    if language not in scaffold_languages():
        choices = ", ".join(scaffold_languages())
        raise WorkbookError([Diagnostic(str(target), None, f"no sample book in {language!r}; choose from {choices}")])
    if target.exists() and not target.is_dir():
        raise WorkbookError([Diagnostic(str(target), None, "exists and is not a folder; choose a new folder name")])
    if target.is_dir() and any(target.iterdir()):
        raise WorkbookError([Diagnostic(str(target), None,
                                        "folder is not empty; `workbook new` only writes into a new or empty folder")])
    today = today or dt.date.today()
    values = {"{identifier}": f"urn:uuid:{uuid.uuid4()}", "{date}": today.isoformat(), "{year}": str(today.year)}
    written = []
    try:
        for path in sorted(source.rglob("*")):
            if path.is_dir() or path.name.startswith(".") or "__pycache__" in path.parts:
                continue
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            if path.name == "book.yaml":
                text = data.decode("utf-8")
                for key, value in values.items():
                    text = text.replace(key, value)
                data = text.encode("utf-8")
            destination.write_bytes(data)
            written.append(destination)
    except OSError as exc:
        raise WorkbookError([Diagnostic(str(target), None, f"cannot write the book folder: {exc.strerror or exc}")]) from None
    return written
