"""Nothing in, the book's data out: the Manuscript, its chapters, headings, prompts and pictures (no loading,
no rendering: every stage above reads and fills these)."""
from __future__ import annotations

import posixpath
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic
from ..files.bookfiles import IMAGE_TYPES
from .config import BookConfig


@dataclass
class PromptInfo:
    """What the manuscript needs to know about one prompt (target-neutral: plain text and HTML).

    `own_lines` is the prompt's own `{lines=N}` (None when it uses a default); `question_html` is
    the question as an inline HTML fragment (no icon, no ids, no footnote references);
    `example_html`/`example_text` hold the example callout that comes before the prompt (after
    the previous prompt), without its label, or None.
    """

    id: str
    number: int
    text: str
    lines: int
    fill_page: bool
    line: int | None
    own_lines: int | None = None
    question_html: str = ""
    example_html: str | None = None
    example_text: str | None = None



@dataclass(frozen=True)
class ImageRef:
    """A picture a chapter shows: its src as the targets see it, `path` relative to the book folder
    (posix; None for a web picture, allowed by allow_remote), its alt text, its line."""

    src: str
    path: str | None
    alt: str | None
    line: int | None

    @property
    def media_type(self) -> str:
        return IMAGE_TYPES[posixpath.splitext(self.path or urllib.parse.urlsplit(self.src).path)[1].lower()]



@dataclass
class Heading:
    level: int
    text: str
    id: str


@dataclass
class Chapter:
    """One chapter: where it came from, its title, its HTML fragment and its prompts."""

    number: int
    slug: str
    title: str
    source: Path
    rel_source: str
    html: str
    prompts: list[PromptInfo]
    headings: list[Heading]
    summary: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    images: list[ImageRef] = field(default_factory=list)
    internal_links: list[tuple[str, int | None]] = field(default_factory=list)
    short_title: str | None = None  # front matter's `short_title`: the running head

    @property
    def anchor(self) -> str:
        return f"chapter-{self.slug}"

    @property
    def running_head(self) -> str:
        """What the running heads of the chapter's pages show: its short title, else its title."""
        return self.short_title or self.title


@dataclass
class Manuscript:
    """The whole book, ready for the renderers."""

    config: BookConfig
    chapters: list[Chapter]
    warnings: list[Diagnostic] = field(default_factory=list)
    how_to_use: Chapter | None = None  # the optional "how to use this workbook" page (front matter)
    errors: list[Diagnostic] = field(default_factory=list)  # only with load_book(tolerant=True)

    @property
    def prompts(self) -> list[PromptInfo]:
        return [p for chapter in self.chapters for p in chapter.prompts]
