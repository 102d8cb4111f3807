"""The parts of the book's layout in, each part laid out once out: over a pool of processes (one per
core) or in this one, with the cache first.

Every chapter opens on a right-hand page and prints no folio of its own (the joined PDF stamps the
folios, pdfmerge.py), so a chapter's pages do not depend on where it lands: all chapters are laid
out at once, each one time. Where each starts (its first folio, and whether a notes page goes before
it) follows from their page counts. The front matter's contents list needs every chapter's first
page number: it is laid out last, once. The result is what one render of the whole book gives,
page for page.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from ..model.manuscript import Manuscript
from ..model.pages import LayoutName
from .parts import (
    CHAPTER,
    Need,
    Part,
    PartResult,
    Start,
    decode_result,
    encode_result,
    init_worker,
    lay_out_alone,
    lay_out_part,
    part_html,
    result_key,
    split,
)
from .session import BuildSession
from .singles import blank_html, folio_chunks, folio_count, read_single, single_key, write_single


@dataclass
class Edition:
    """One edition split into parts, and the parts laid out so far."""

    name: LayoutName
    need: Need
    parts: list[Part]
    done: list[dict[Start, PartResult]]
    version: int = 0
    _memo: tuple | None = None
    _starts: tuple | None = None

    def counts(self) -> list[int | None]:
        """Each part's page count so far (each part is laid out once, at one start)."""
        if self._memo is not None and self._memo[0] == self.version:
            return self._memo[1]
        counts = [next(iter(results.values())).pages if results else None for results in self.done]
        self._memo = (self.version, counts)
        return counts

    def exact_start(self, index: int) -> Start | None:
        """The part's start as the parts before it stand now (None while one of them is not laid out)."""
        if index == 0:
            return Start()
        if self._starts is None or self._starts[0] != self.version:
            self._starts = (self.version, self.starts(self.counts()))
        return self._starts[1][index]

    def starts(self, counts: Sequence[int | None]) -> list[Start | None]:
        """Every part's start from the page counts of the chapters before it (None where one is unknown).

        The front matter starts the book. The first chapter opens on a right-hand page and prints 1,
        whatever the front matter's length (a blank page goes before it where needed), so no chapter's
        start depends on the front matter: it is laid out once, last, with the contents' numbers. A
        chapter that would open on a left-hand page gets a blank page before it (counted, as a single
        render counts it).
        """
        starts: list[Start | None] = [Start()]
        page: int | None = 0  # pages since the first chapter's first page (a right-hand page)
        folio = 1
        for index in range(1, len(self.parts)):
            if index > 1 and page is not None:
                previous = counts[index - 1]
                page = None if previous is None else page + previous
                folio += previous or 0
            if page is None:
                starts.append(None)
                continue
            if page % 2:
                page += 1
                folio += 1
            starts.append(Start(folio, True))
        return starts

    def blank_before(self, counts: list[int]) -> list[bool]:
        """For each part: does a blank left-hand page precede it (a chapter after an odd page)?"""
        blanks, page = [False], counts[0]
        for index in range(1, len(self.parts)):
            page += counts[index - 1] if index > 1 else 0
            blanks.append(page % 2 == 1)
            page += blanks[-1]
        return blanks

    def add(self, index: int, result: PartResult) -> None:
        self.done[index][result.start] = result
        self.version += 1

    def toc(self) -> dict[str, str] | None:
        """The contents' page numbers (chapter anchor -> folio), once every chapter's start is known."""
        numbers = {}
        for part, start in zip(self.parts[1:], self.starts(self.counts())[1:], strict=True):
            if start is None or part.chapter is None:
                return None
            numbers[part.chapter.anchor] = str(start.folio)
        return numbers


# -- scheduling --------------------------------------------------------------------------------------

def jobs() -> int:
    """Worker processes: WORKBOOK_JOBS if set, else one per core this process may use."""
    value = os.environ.get("WORKBOOK_JOBS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:
        return os.cpu_count() or 1


PARTS_PER_WORKER = 48  # parts a worker process lays out before a fresh one takes over


class Scheduler:
    """Lays out the parts of one or more editions, in-process (one job) or over a pool of processes."""

    def __init__(self, session: BuildSession, needs: dict[LayoutName, Need], workers: int,
                 on_progress: Callable[[int, int, str], None] | None = None):
        self.session = session
        self.manuscript: Manuscript = session.manuscript
        self.on_progress = on_progress  # (done, total, label): parts laid out or found so far
        self.renderer = session.renderer
        self.cache = session.cache
        self.workers = workers
        self.editions = []
        for name, need in needs.items():
            parts = split(self.manuscript, self.renderer, name)
            edition = Edition(name, need, parts, [{} for _ in parts])
            self.editions.append(edition)
        self.in_flight: dict[Future, tuple[Edition, int, Start, dict | None]] = {}
        self.singles_in_flight: dict[Future, tuple[str, str]] = {}  # (kind, key) of pages laid out on their own
        self.singles_seen: set[str] = set()
        self._folio_singles: list[tuple[str, str, int | None]] | None = None
        self.laid_out = 0  # layouts made: one per part
        self.from_cache = 0  # parts taken from .workbook-cache
        self.font_files: dict[str, bytes] = {}  # the font files behind the parts' fonts (fontmerge.py)

    # what to lay out next
    def _wanted(self, edition: Edition, index: int) -> tuple[Start, dict | None] | None:
        """The start (and contents' numbers) a part must be laid out at, if known and not done yet.

        A chapter is laid out once, at CHAPTER, wherever it lands: it prints no folio of its own (the
        joined PDF stamps them, pdfmerge.py), so its pages do not depend on its start. The front
        matter waits for the contents' numbers, i.e. for every chapter's page count.
        """
        part = edition.parts[index]
        if not part.front:
            if edition.done[index] or self._flying(edition, index):
                return None
            return CHAPTER, None
        if edition.need == "pages":  # the contents' numbers do not move pages: any layout will do
            if edition.done[index] or self._flying(edition, index):
                return None
            return Start(), None
        toc = edition.toc()
        if toc is None or self._has(edition, index, Start(), toc):
            return None
        return Start(), toc

    def _has(self, edition: Edition, index: int, start: Start, toc: dict | None) -> bool:
        result = edition.done[index].get(start)
        if result is not None and (not edition.parts[index].front or result.toc == (toc or {})):
            return True
        return any(e is edition and i == index and s == start and (t or {}) == (toc or {})
                   for e, i, s, t in self.in_flight.values())

    def _flying(self, edition: Edition, index: int) -> bool:
        return any(e is edition and i == index for e, i, _s, _t in self.in_flight.values())

    def next_task(self) -> tuple[Edition, int, Start, dict | None] | None:
        busy = {id(e): 0 for e in self.editions}
        for e, *_rest in self.in_flight.values():
            busy[id(e)] += 1
        for edition in sorted(self.editions, key=lambda e: busy[id(e)]):
            for index in range(len(edition.parts)):
                wanted = self._wanted(edition, index)
                if wanted:
                    return edition, index, *wanted
        return None

    def complete(self) -> bool:
        for edition in self.editions:
            for index in range(len(edition.parts)):
                if edition.need == "pages":
                    if not edition.done[index]:
                        return False
                elif self._wanted(edition, index) is not None or not self._final(edition, index):
                    return False
        return True

    def _final(self, edition: Edition, index: int) -> PartResult | None:
        start = edition.exact_start(index) if edition.parts[index].front else CHAPTER
        result = edition.done[index].get(start) if start else None
        if result is None or edition.need != "pdf" or not edition.parts[index].front:
            return result
        return result if result.toc == (edition.toc() or {}) else None

    # doing it
    def _submit_args(self, edition: Edition, index: int, start: Start, toc: dict | None
                     ) -> tuple[str, list[str], Start, list[str], Need, bool]:
        part = edition.parts[index]
        return (*part_html(part, start, toc), start, part.fill_ids, edition.need, not part.front)

    def _cached(self, edition: Edition, index: int, start: Start, toc: dict | None) -> PartResult | None:
        part = edition.parts[index]
        result = decode_result(self.cache.read("parts", result_key(part, start, toc, self.session.typesetter.tags)),
                               edition.need)
        if result is None and edition.need == "pages":
            result = decode_result(self.cache.read("pages", part.key), "pages")
        if result is not None and not all(self._font_file(key) for key in result.fonts.values()):
            return None  # a font file it needs is gone or corrupt: lay the part out again
        return result

    def _font_file(self, key: str) -> bool:
        """Is the font file with this key at hand (or whole in the cache, checked by its SHA-256)?"""
        if key in self.font_files:
            return True
        data = self.cache.read_font_file(key)
        if data is None:
            return False
        self.font_files[key] = data
        return True

    def _store(self, edition: Edition, index: int, start: Start, toc: dict | None, result: PartResult,
               write: bool = True) -> None:
        part = edition.parts[index]
        result.toc = dict(toc or {})
        edition.add(index, result)
        if self.on_progress:
            done = sum(1 for e in self.editions for results in e.done if results)
            chapter = part.chapter.title if part.chapter else str(self.manuscript.config.words["contents"])
            self.on_progress(done, sum(len(e.parts) for e in self.editions), f"{chapter} ({edition.name})")
        self.manuscript.warnings.extend(w for w in result.warnings if w not in self.manuscript.warnings)
        self.from_cache += not write
        for key, data in result.font_files.items():
            if key not in self.font_files:
                self.font_files[key] = data
                if write:
                    self.cache.write_font_file(key, data)
        result.font_files = {}
        if not self.cache.usable or not write:
            return
        self.cache.write("parts", result_key(part, start, toc, self.session.typesetter.tags), encode_result(result))
        self.cache.write("pages", part.key, encode_result(PartResult(result.start, result.pages, result.anchors,
                                                                     result.labels, result.extra,
                                                                     audit=result.audit)))

    def run(self) -> None:
        """Lay out until every edition's parts are there at their exact starts."""
        # What the cache has first: it settles most starts after an edit.
        progress = True
        while progress:
            progress = False
            for edition in self.editions:
                for index in range(len(edition.parts)):
                    wanted = self._wanted(edition, index)
                    if wanted is None:
                        continue
                    cached = self._cached(edition, index, *wanted)
                    if cached is not None:
                        self._store(edition, index, *wanted, cached, write=False)
                        progress = True
        if self.complete():
            return
        left = sum(1 for edition in self.editions for index, part in enumerate(edition.parts)
                   if not part.front and not edition.done[index])
        if self.workers <= 1 or left <= 1:  # one chapter (after an edit): starting workers costs more than it saves
            self._run_here()
        else:
            self._run_pool()

    def _run_here(self) -> None:
        while not self.complete():
            task = self.next_task()
            if task is None:
                raise RuntimeError("parts left that cannot be laid out")  # a bug: every part has a start in turn
            edition, index, start, toc = task
            result = self._cached(edition, index, start, toc)
            if result is not None:
                self._store(edition, index, start, toc, result, write=False)
                continue
            result = lay_out_part(*self._submit_args(edition, index, start, toc), typesetter=self.session.typesetter,
                                  known_fonts=set(self.font_files))
            self.laid_out += 1
            self._store(edition, index, start, toc, result)

    def _run_pool(self) -> None:
        """Lay parts out in worker processes (and, in a worker that would wait for the last parts, the
        folio pages the join needs). A worker's memory creeps up with every part it lays out
        (WeasyPrint's caches, a fragmented heap), so the pool is replaced after PARTS_PER_WORKER parts
        per worker: a long book needs no more memory than a short one."""
        exclude = list(self.session.fetcher.exclude)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool, submitted = None, 0
        try:
            while True:  # until every part is laid out and no folio document is left to lay out
                if pool is None:
                    pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=init_worker,
                                               initargs=(self.manuscript, exclude, os.getpid(),
                                                         self.session.typesetter.tags))
                    submitted = 0
                while self._busy() < self.workers and submitted < PARTS_PER_WORKER * self.workers:
                    task = self.next_task()
                    if task is None:
                        if not self._submit_single(pool):
                            break
                        submitted += 1
                        continue
                    edition, index, start, toc = task
                    cached = self._cached(edition, index, start, toc)
                    if cached is not None:
                        self._store(edition, index, start, toc, cached, write=False)
                        continue
                    self.in_flight[pool.submit(lay_out_part, *self._submit_args(edition, index, start, toc))] = task
                    submitted += 1
                if not self._busy():
                    if self.complete():
                        break
                    if submitted >= PARTS_PER_WORKER * self.workers:  # this pool has done its share
                        pool.shutdown(wait=True)
                        pool = None
                        continue
                    raise RuntimeError("parts left that cannot be laid out")
                finished, _ = wait([*self.in_flight, *self.singles_in_flight], return_when=FIRST_COMPLETED)
                for future in finished:
                    if future in self.singles_in_flight:
                        kind, key = self.singles_in_flight.pop(future)
                        self.session.singles[key] = future.result()
                        write_single(self.cache, kind, key, self.session.singles[key])
                        continue
                    edition, index, start, toc = self.in_flight.pop(future)
                    result = future.result()  # a part's error (OutputError) ends the build here
                    self.laid_out += 1
                    self._store(edition, index, start, toc, result)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _busy(self) -> int:
        return len(self.in_flight) + len(self.singles_in_flight)

    def _submit_single(self, pool: ProcessPoolExecutor) -> int:
        """Give a worker that has no part to lay out a page the join will need on its own: a folio
        document (once every chapter's page count is known, the count of folio pages is) or the blank
        page before a chapter. 1 if one was submitted."""
        edition = self.editions[0]
        counts = edition.counts()
        if edition.need != "pdf" or len(counts) < 2 or any(count is None for count in counts[1:]):
            return 0
        if self._folio_singles is None:  # the chapters' counts are final now: their folio documents too
            self._folio_singles = [("folios", html, None) for html in folio_chunks(
                self.renderer, folio_count([count or 0 for count in counts[1:]]))]
        singles = list(self._folio_singles)
        if counts[0] is not None and any(edition.blank_before([count or 0 for count in counts])):
            singles.append(("blank-page", blank_html(self.renderer), 1))
        for kind, html, index in singles:
            key = single_key(kind, html)
            if key in self.singles_seen:
                continue
            self.singles_seen.add(key)
            if read_single(self.cache, kind, key) is None:
                self.singles_in_flight[pool.submit(lay_out_alone, html, index)] = (kind, key)
                return 1
        return 0

    def results(self, edition: Edition) -> list[PartResult]:
        """The edition's parts at their exact starts (after run)."""
        if edition.need == "pages":
            return [next(iter(done.values())) for done in edition.done]
        results = [self._final(edition, index) for index in range(len(edition.parts))]
        if any(result is None for result in results):
            raise RuntimeError("a part is missing after the layout")  # a bug: run() lays out every part
        return [result for result in results if result is not None]
