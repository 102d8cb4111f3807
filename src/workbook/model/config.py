"""A book folder in, validated settings (`BookConfig`) out; every problem reported at once."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ConfigError, Diagnostic, Report
from ..files.bookfiles import (
    BookFileProblem,
    attachment_file,
    icc_file,
    image_path,
    picture_file,
    text_file,
)
from ..files.scripts import SCRIPTS, missing_packages
from ..files.textfile import TooLarge, read_bounded, size_on_disk
from ..files.yamlsource import YamlProblem, line_for, load_with_lines
from .locales import known_words, locale_for
from .schema import MAX_SLUG, PrintSettings, validate_yaml

if TYPE_CHECKING:
    pass  # pydantic's own core: the shape of one validation error

CONFIG_NAME = "book.yaml"
MAX_CONFIG_BYTES = 256_000
MAX_CHAPTER_BYTES = 1_000_000  # a chapter or the how_to_use page (a long novel fits in one)
YEARS = (1000, 9999)  # four-digit years: what EPUB's dcterms:modified (xsd:dateTime) and PDF dates can hold
FormatName = Literal["pdf", "epub", "print", "worksheets", "site"]
FORMATS: tuple[FormatName, ...] = get_args(FormatName)  # build order; formats that read other outputs (site) last
DEFAULT_FORMATS = FORMATS
PAGE_SIZES = {  # name -> (width mm, height mm)
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "LETTER": (215.9, 279.4),
    "6X9IN": (152.4, 228.6),
}
_CUSTOM_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*mm\s+(\d+(?:\.\d+)?)\s*mm\s*$", re.I)
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi"})
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class Settings(BaseModel):
    """The schema of book.yaml. Unknown keys are warnings, not errors."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1)
    subtitle: str | None = None
    author: str | list[str] = Field(min_length=1)
    language: str = "nl"
    identifier: str | None = None
    date: dt.date | None = None
    description: str | None = None
    rights: str | None = None
    publisher: str | None = None
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    chapters: list[str] = Field(min_length=1)
    page_size: str = "A4"
    bleed: float = Field(default=3.2, ge=0, le=10)  # mm around the trim of the print edition
    isbn: str | None = None
    edition: str | None = None  # e.g. "Eerste druk, november 2026", printed in the colophon
    how_to_use: str | None = None  # a Markdown file in the book: the "how to use this workbook" page
    notes_page: bool = False  # a ruled notes page at the end of every chapter (PDF editions)
    fillable: bool = True  # typed answers: a text field over every writing space (reader's PDF, worksheets)
    prompt_lines: int = Field(default=6, ge=1, le=40)
    worksheet_lines: int = Field(default=8, ge=1, le=40)
    formats: list[FormatName] = Field(default_factory=lambda: list(DEFAULT_FORMATS))
    words: dict[str, str] = Field(default_factory=dict)
    cover: str | None = None  # the author's cover picture, e.g. images/cover.jpg (else one is generated)
    allow_remote: bool = False
    attachments: list[str] = Field(default_factory=list)
    fonts: list[str] = Field(default_factory=list)  # extra scripts: cjk, arabic, hebrew, thai, devanagari
    print: PrintSettings = Field(default_factory=PrintSettings)  # printers' files (schema.py, model/printing.py)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANG.match(value):
            raise ValueError("must be a language code such as nl, en or nl-BE")
        return value

    @field_validator("slug", mode="before")
    @classmethod
    def _slug_length(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value.strip()) > MAX_SLUG:
            raise ValueError(f"is {len(value.strip())} characters long; the limit is {MAX_SLUG} "
                             "(output file names are made from it and must stay short)")
        return value

    @field_validator("formats", mode="before")  # before pydantic's own Literal check: this message names the choices
    @classmethod
    def _formats(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value  # pydantic says what is wrong with it
        value = [f.strip() if isinstance(f, str) else f for f in value]  # as str_strip_whitespace does for strings
        unknown = [f for f in value if f not in FORMATS]
        if unknown:
            raise ValueError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
        return value

    @field_validator("fonts")
    @classmethod
    def _fonts(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in SCRIPTS]
        if unknown:
            raise ValueError(f"unknown script {unknown[0]!r}; choose from {', '.join(SCRIPTS)}")
        missing = missing_packages(value)
        if missing:
            needs = "; ".join(f"{', '.join(names)} needs {package}" for package, names in missing.items())
            raise ValueError(f"the font files are not installed ({needs}); install them with "
                             f"`apt-get install {' '.join(missing)}` (or `make sysdeps`)")
        return list(dict.fromkeys(value))

    @field_validator("page_size")
    @classmethod
    def _page_size(cls, value: str) -> str:
        page_size_mm(value)
        return value

    @field_validator("isbn")
    @classmethod
    def _isbn(cls, value: str | None) -> str | None:
        if value is not None and not isbn_ok(value):
            raise ValueError("not a valid ISBN-10 or ISBN-13 (check the digits, e.g. 978-90-12345-67-5)")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        return value

    @field_validator("date")
    @classmethod
    def _date_range(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"year {value.year} is out of range; EPUB and PDF dates need a four-digit year "
                             f"({YEARS[0]}–{YEARS[1]}), e.g. {dt.date.today().year}-01-31")
        return value

    @field_validator("words")
    @classmethod
    def _words(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - known_words())
        if unknown:
            raise ValueError(f"unknown word {unknown[0]!r}; known: {', '.join(sorted(known_words()))}")
        return value


def parse_formats(value: str | Iterable[str] | None, default: Iterable[FormatName] = FORMATS) -> list[FormatName]:
    """'pdf,epub' or ['pdf'] -> a checked, ordered list of formats."""
    if value is None:
        return list(dict.fromkeys(default))  # book.yaml's order, each format once
    items = value.split(",") if isinstance(value, str) else list(value)
    formats = [item.strip().lower() for item in items if item.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}" if unknown else "no format given")
    return [f for f in FORMATS if f in formats]


def page_size_mm(value: str) -> tuple[float, float]:
    """'A4', 'Letter', '6x9in' or '170mm 240mm' -> (width, height) in mm."""
    key = value.strip().upper().replace(" ", "")
    if key in PAGE_SIZES:
        return PAGE_SIZES[key]
    match = _CUSTOM_SIZE.match(value)
    if match:
        width, height = float(match[1]), float(match[2])
        if 80 <= width <= 600 and 80 <= height <= 600:
            return width, height
        raise ValueError("custom page size must be between 80mm and 600mm on each side")
    raise ValueError("must be A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm'")


def isbn_ok(value: str) -> bool:
    """True for an ISBN-13 or ISBN-10 (hyphens and spaces allowed) whose check digit is right."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if re.fullmatch(r"97[89]\d{10}", digits):
        return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    if re.fullmatch(r"\d{9}[\dX]", digits):
        return sum((10 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits)) % 11 == 0
    return False


def isbn13(value: str) -> str:
    """A valid ISBN (isbn_ok) as the 13 digits of its EAN-13 barcode: an ISBN-10 gets the 978 prefix and
    a new check digit."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if len(digits) == 13:
        return digits
    body = "978" + digits[:9]
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def slugify(text: str) -> str:
    """'Grenzen stellen!' -> 'grenzen-stellen' (ASCII, for file names and ids)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or "book"


@dataclass
class BookConfig:
    """Validated settings plus where they came from."""

    root: Path
    settings: Settings
    chapter_files: list[Path]
    chapter_lines: list[int]
    warnings: list[Diagnostic] = field(default_factory=list)
    attachment_files: list[Path] = field(default_factory=list)
    lines: dict[tuple, int] = field(default_factory=dict)  # book.yaml's key paths -> their lines (yamlsource)

    @property
    def print_icc(self) -> Path | None:
        """The printer's output profile book.yaml names (`print: icc`, checked when book.yaml was read)."""
        icc = self.settings.print.icc
        return (self.root / icc).resolve() if icc else None

    @property
    def slug(self) -> str:
        return self.settings.slug or slugify(self.settings.title)

    @property
    def authors(self) -> list[str]:
        author = self.settings.author
        return [author] if isinstance(author, str) else list(author)

    @property
    def language(self) -> str:
        return self.settings.language

    @property
    def identifier(self) -> str:
        if self.settings.identifier:
            return self.settings.identifier
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"workbook:{self.slug}:{self.settings.title}"))

    @property
    def direction(self) -> str:
        """"rtl" for books in a right-to-left language (Arabic, Hebrew, Persian, Urdu, Yiddish), else "ltr"."""
        return "rtl" if self.language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"

    @property
    def words(self) -> dict[str, object]:
        return locale_for(self.language, self.settings.words)

    @property
    def page_size_mm(self) -> tuple[float, float]:
        return page_size_mm(self.settings.page_size)


def _refuse_large(report: Report, path: Path, rel: str) -> None:
    """A chapter larger than the limit is refused by its size on disk, before anything reads it."""
    size = size_on_disk(path)
    if size is not None and size > MAX_CHAPTER_BYTES:
        report.error(rel, None, f"chapter is {size // 1_000_000} MB; split it (limit {MAX_CHAPTER_BYTES // 1_000_000} MB)")


def _check_named_files(root: Path, settings: Settings, lines: dict, report: Report, attachment_files: list[Path]) -> None:
    """how_to_use, cover and attachments checked by bookfiles (inside the book, size by stat, pictures by Pillow)."""
    if settings.how_to_use:
        try:
            text_file(root, settings.how_to_use)
        except BookFileProblem as exc:
            reason = {"outside": "is outside the book folder", "missing": f"file {settings.how_to_use} does not exist; "
                      "write it or remove the key"}.get(exc.kind, str(exc))
            shown = "" if exc.kind == "missing" else f"{settings.how_to_use} "
            report.error(CONFIG_NAME, line_for(lines, ("how_to_use",)), f"how_to_use: {shown}{reason}")
    if settings.cover is not None:
        path = image_path(settings.cover)
        try:
            if not path or Path(settings.cover).is_absolute():
                raise BookFileProblem("must be a picture inside the book folder, e.g. images/cover.jpg")
            picture_file(root, path)
        except BookFileProblem as exc:
            report.error(CONFIG_NAME, line_for(lines, ("cover",)), f"cover: {settings.cover}: {exc}")
    if settings.print.icc:
        try:
            icc_file(root, settings.print.icc)
        except BookFileProblem as exc:
            report.error(CONFIG_NAME, line_for(lines, ("print", "icc")), f"print.icc: {settings.print.icc} {exc}")
    for index, name in enumerate(settings.attachments):
        line = line_for(lines, ("attachments", index))
        try:
            candidate = attachment_file(root, name)
        except BookFileProblem as exc:
            reason = {"outside": f"{name} is outside the book folder; attachments must live inside it",
                      "missing": f"file {name} does not exist"}.get(exc.kind, f"{name} {exc}")
            report.error(CONFIG_NAME, line, f"attachments[{index}]: {reason}")
            continue
        if candidate in attachment_files:
            report.error(CONFIG_NAME, line, f"attachments[{index}]: {name} is listed twice")
        else:
            attachment_files.append(candidate)


def load_config(book_dir: str | Path, *, page_size: str | None = None) -> BookConfig:
    """Read and validate `book_dir/book.yaml`. Raises ConfigError listing every problem.

    `page_size` (the command line's --page-size) takes the place of book.yaml's."""
    root = Path(book_dir).resolve()
    path = root / CONFIG_NAME
    report = Report()
    if not root.is_dir():
        raise ConfigError([Diagnostic(str(book_dir), None, "book folder not found; pass the folder that holds book.yaml")])
    if not path.is_file():
        raise ConfigError([Diagnostic(CONFIG_NAME, None, f"not found in {root}; create it (see `workbook new`)")])
    try:
        raw = read_bounded(path, MAX_CONFIG_BYTES)
    except TooLarge as exc:
        size = f"is {exc.size // 1000} kB" if exc.size is not None else f"holds more than {MAX_CONFIG_BYTES // 1000} kB"
        why = f"{size}; settings fit in far less (limit {MAX_CONFIG_BYTES // 1000} kB) — is this the right file?"
        raise ConfigError([Diagnostic(CONFIG_NAME, None, why)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([Diagnostic(CONFIG_NAME, line, "is not UTF-8 text; save it as UTF-8")]) from None
    try:
        loaded, lines = load_with_lines(text)
    except YamlProblem as exc:
        raise ConfigError([Diagnostic(CONFIG_NAME, exc.line, exc.message)]) from None
    if not isinstance(loaded, dict):
        raise ConfigError([Diagnostic(CONFIG_NAME, 1, "must be a mapping of settings (key: value), starting with title:")])

    data: dict[str, object] = {str(k): v for k, v in loaded.items()}
    settings = validate_yaml(Settings, data, lines, CONFIG_NAME, report)  # book.yaml as written, override or not
    if page_size:
        try:
            page_size_mm(page_size)
            if settings is not None:
                settings = settings.model_copy(update={"page_size": page_size})
        except ValueError as exc:
            report.error("--page-size", None, f"{page_size!r}: {exc}")
    if report.errors or settings is None:
        raise ConfigError(report.errors + report.warnings)

    chapter_files: list[Path] = []
    chapter_lines: list[int] = []
    seen: dict[Path, int] = {}
    for index, name in enumerate(settings.chapters):
        line = line_for(lines, ("chapters", index))
        candidate = (root / name).resolve()
        if Path(name).is_absolute() or not candidate.is_relative_to(root):
            report.error(CONFIG_NAME, line, f"chapters[{index}]: {name} is outside the book folder; chapters must live inside it")
            continue
        if not candidate.is_file():
            report.error(CONFIG_NAME, line, f"chapters[{index}]: chapter file {name} does not exist")
            continue
        if candidate in seen:
            report.error(CONFIG_NAME, line, f"chapters[{index}]: {name} is listed twice (first on line {seen[candidate]})")
            continue
        _refuse_large(report, candidate, candidate.relative_to(root).as_posix())
        seen[candidate] = line
        chapter_files.append(candidate)
        chapter_lines.append(line)
    attachment_files: list[Path] = []
    _check_named_files(root, settings, lines, report, attachment_files)
    if report.errors:
        raise ConfigError(report.errors + report.warnings)
    return BookConfig(root, settings, chapter_files, chapter_lines, report.warnings, attachment_files, lines)
