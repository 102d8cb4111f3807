"""A loaded book and where its output goes in, one build's state out: the `BuildSession` every stage is handed
(the manuscript, its templates, the typesetter and fetcher, the cache, the book as laid out so far).

A build (and a preview, a watch rebuild, a worksheets run) makes one session and passes it on; nothing
about a build is kept anywhere else, so two builds in one process never see each other's state.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import weasyprint

from ..cache.store import Cache
from ..model.manuscript import Manuscript
from ..model.pages import Margins
from ..render.fetcher import SafeFetcher
from ..render.templates import Renderer
from .document import Typesetter
from .fonts import FontFiles
from .parts import Need, PartResult, Start
from .singles import Single


@dataclass
class LaidOut:
    """The book laid out in parts: each part at its exact start, and the blank pages between them."""

    need: Need  # "pdf" (the parts' PDFs were written) or "pages" (only where ids land, for the EPUB)
    results: list[PartResult]
    starts: list[Start]
    blanks: list[bool]
    ghosts: list[set[str]]
    fonts: FontFiles

    def placed(self) -> Iterator[tuple[PartResult, int]]:
        """Each part with the index of its first page in the joined book (after the parts before it and the
        ruled notes pages between them)."""
        offset = 0
        for part, blank in zip(self.results, self.blanks, strict=True):
            offset += int(blank)
            yield part, offset
            offset += part.pages

    def pages(self) -> tuple[dict[str, int], list[str | None]]:
        """Anchor id -> index of its first page, and each page's printed label, for the joined book."""
        anchors: dict[str, int] = {}
        labels: list[str | None] = []
        for result, start, blank, ghosts in zip(self.results, self.starts, self.blanks, self.ghosts, strict=True):
            if blank:
                labels.append(None)
            offset = len(labels)
            for name, page in result.anchors.items():
                if name not in ghosts:
                    anchors.setdefault(name, offset + page)
            labels += result.labels_at(start.folio)
        return anchors, labels


@dataclass
class BuildSession:
    """One build's state, made once and passed to the stages that lay the book out and write its outputs."""

    manuscript: Manuscript
    renderer: Renderer
    typesetter: Typesetter
    cache: Cache
    out_dir: Path | None = None
    jobs: int | None = None  # processes that lay out parts (None: one per core, or WORKBOOK_JOBS)
    laid_out: LaidOut | None = None  # the book's parts, once laid out (editions.lay_out)
    document: weasyprint.Document | None = None  # the book as one document (its own pdf.html, or a reference)
    singles: dict[str, Single] = field(default_factory=dict)  # pages a worker laid out on their own (singles.py)

    @classmethod
    def start(cls, manuscript: Manuscript, out_dir: Path | None = None, cache: Cache | None = None,
              jobs: int | None = None, *, tags: bool = True) -> BuildSession:
        """A session for `manuscript` writing into `out_dir` (never read from: the fetcher refuses it).

        `tags=False`: the reader's PDF and the worksheets without a structure tree (only to measure what
        tagging costs)."""
        fetcher = SafeFetcher.for_book(manuscript.config, exclude=[out_dir] if out_dir is not None else [])
        return cls(manuscript, Renderer(manuscript), Typesetter(manuscript, fetcher, tags=tags),
                   cache or Cache(None), out_dir, jobs)

    def with_margins(self, margins: Margins) -> BuildSession:
        """A session for a second layout of the same book with each margin at least as wide as `margins`
        asks (a printer's rules: the inside margin by page count, a distance from the trim on every side;
        model/printing.py): the same manuscript, typesetter and cache, a renderer with that geometry,
        nothing laid out yet."""
        return BuildSession(self.manuscript, Renderer(self.manuscript, margins=margins), self.typesetter,
                            self.cache, self.out_dir, self.jobs)

    @property
    def fetcher(self) -> SafeFetcher:
        return self.typesetter.fetcher
