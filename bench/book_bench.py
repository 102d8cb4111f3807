"""Benchmark: `workbook build` (PDF + EPUB) against pandoc -> HTML -> WeasyPrint and pandoc -> EPUB.

Generates reference books from the demo book's chapters (copies with their own titles and slugs) in a
temporary folder and times, in fresh processes, each pipeline on the same Markdown:

* workbook build -f pdf,epub (cold: no .workbook-cache), and a rebuild after a one-word edit in one chapter;
* workbook build -f pdf,print,epub (cold): what the print PDF adds, both made from the one layout;
* workbook build -f epub alone, cold, and once the layout exists (the EPUB step itself);
* the reader's PDF alone in one process (WORKBOOK_JOBS=1, cold): CPU seconds a page;
* the reader's PDF (cold, `-f pdf`) as it is made (tagged, with form fields) and plain (`tags=False` and
  `fillable: false`), both over the cores and in one process: what the structure tree and the fields cost;
* the book's own HTML and CSS laid out by WeasyPrint as one document in one process (no parts, no
  join): the floor of CPU a page for these pages, whatever the pipeline around WeasyPrint;
* pandoc -s (front matter stripped, chapter titles as # headings) -> standalone HTML -> weasyprint CLI
  (CPU seconds a page of its own PDF);
* pandoc -> EPUB.

Every pipeline's own page count is printed beside its times (pandoc's PDF has fewer, plainer pages).

Wall time is the median of R runs. Peak memory is measured two ways: the largest single process
(ru_maxrss of the waited-for children) and the whole process tree (RSS of the process and all its
descendants summed, sampled every 20 ms), so parallel workers are counted honestly.

    python bench/book_bench.py [--chapters 40 160] [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "book"
BIN = Path(sys.executable).parent
PAGE_SIZE = "A5"  # both pipelines lay out the same page size


def make_book(folder: Path, chapters: int) -> Path:
    """A copy of the demo book with `chapters` chapters, cycling through the demo chapters."""
    book = folder / f"book-{chapters}"
    shutil.rmtree(book, ignore_errors=True)
    (book / "chapters").mkdir(parents=True)
    for extra in DEMO.iterdir():
        if extra.is_file() and extra.suffix in (".md",) and extra.name != "README.md":
            shutil.copy(extra, book / extra.name)
    for folder_name in ("images", "styles", "layouts"):
        if (DEMO / folder_name).is_dir():
            shutil.copytree(DEMO / folder_name, book / folder_name)
    sources = sorted((DEMO / "chapters").glob("*.md"))
    names = []
    for index in range(chapters):
        source = sources[index % len(sources)]
        text = source.read_text(encoding="utf-8")
        stem = re.sub(r"^\d+-", "", source.stem)
        slug = f"{stem}-{index + 1:03d}"
        text = re.sub(r"^title: (.*)$", lambda m, n=index + 1, s=slug: f"title: {m.group(1)} ({n})\nslug: {s}", text,
                      count=1, flags=re.M)
        name = f"chapters/{index + 1:03d}-{stem}.md"
        (book / name).write_text(text, encoding="utf-8")
        names.append(name)
    config = (DEMO / "book.yaml").read_text(encoding="utf-8")
    config = re.sub(r"^page_size: .*$", f"page_size: {PAGE_SIZE}", config, flags=re.M)  # a workbook's A5: 250+ pages
    config = config.split("\nchapters:")[0] + "\nchapters:\n" + "".join(f"  - {n}\n" for n in names)
    (book / "book.yaml").write_text(config, encoding="utf-8")
    return book


def pandoc_sources(book: Path, folder: Path) -> tuple[Path, dict[str, str]]:
    """The same chapters as one Markdown file for pandoc: front matter stripped, titles as # headings."""
    import yaml

    config = yaml.safe_load((book / "book.yaml").read_text(encoding="utf-8"))
    parts = []
    for name in config["chapters"]:
        text = (book / name).read_text(encoding="utf-8")
        front, body = text.split("\n---\n", 1) if text.startswith("---\n") else ("", text)
        meta = yaml.safe_load(front[4:]) or {}
        parts.append(f"# {meta.get('title', name)}\n\n{body.strip()}\n")
    markdown = folder / "pandoc.md"
    markdown.write_text("\n".join(parts), encoding="utf-8")
    metadata = {"title": config["title"], "author": config["author"], "lang": config["language"]}
    return markdown, metadata


def _tree_rss_kb(pid: int) -> int:
    """RSS (kB) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def measure(commands: list[list[str]], env: dict | None = None) -> dict:
    """Run commands one after another in this (fresh) process; wall time, peak single-process RSS, peak tree RSS."""
    peak_tree = 0
    started = time.perf_counter()
    for command in commands:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        done = threading.Event()

        def sample(pid: int, done: threading.Event) -> None:
            nonlocal peak_tree
            while not done.is_set():
                peak_tree = max(peak_tree, _tree_rss_kb(pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, args=(process.pid, done), daemon=True)
        sampler.start()
        _out, err = process.communicate()
        done.set()
        sampler.join()
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{err.decode(errors='replace')[-2000:]}")
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": wall, "max_mb": usage.ru_maxrss / 1024, "tree_mb": peak_tree / 1024,
            "cpu": usage.ru_utime + usage.ru_stime}


def one(kind: str, book: Path, work: Path) -> dict:
    """One timed run of `kind`, in this fresh process (so ru_maxrss of children is this run's only)."""
    workbook = str(BIN / "workbook")
    dist = work / "dist"
    cache = work / ".workbook-cache"
    formats = {"workbook": "pdf,epub", "workbook-all": "pdf,print,epub", "workbook-epub": "epub", "cpu-page": "pdf",
               "pdf": "pdf"}
    if kind in formats:
        shutil.rmtree(dist, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        env = dict(os.environ, WORKBOOK_JOBS="1") if kind == "cpu-page" else None
        result = measure([[workbook, "build", str(book), "-o", str(dist), "-f", formats[kind], "-q"]], env)
        if kind in ("cpu-page", "pdf"):
            result["pages"] = pdf_pages(next(dist.glob("*.pdf")))
        return result
    if kind in ("pdf-plain", "cpu-plain"):  # the reader's PDF without structure tree and form fields
        plain = work / "plain-book"
        shutil.rmtree(plain, ignore_errors=True)
        shutil.copytree(book, plain)
        with (plain / "book.yaml").open("a", encoding="utf-8") as handle:
            handle.write("fillable: false\n")
        shutil.rmtree(dist, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        script = ("import sys, workbook; workbook.build(sys.argv[1], sys.argv[2], ['pdf'], tags=False, "
                  "jobs=int(sys.argv[3]) or None)")
        result = measure([[sys.executable, "-c", script, str(plain), str(dist), "1" if kind == "cpu-plain" else "0"]])
        result["pages"] = pdf_pages(next(dist.glob("*.pdf")))
        return result
    if kind == "whole":  # the floor: the book's own HTML and CSS laid out by WeasyPrint as one document, one process
        script = ("import sys, pathlib, workbook; from workbook.layout.session import BuildSession; "
                  "from workbook.layout.editions import whole_document; "
                  "s = BuildSession.start(workbook.load_book(sys.argv[1])); d = whole_document(s); "
                  "pathlib.Path(sys.argv[2]).write_bytes(s.typesetter.pdf(d))")
        result = measure([[sys.executable, "-c", script, str(book), str(work / "whole.pdf")]])
        result["pages"] = pdf_pages(work / "whole.pdf")
        return result
    if kind == "epub-warm":  # the layout is in the cache (a build made the PDF just before): the EPUB step
        return measure([[workbook, "build", str(book), "-o", str(dist), "-f", "epub", "-q"]])
    if kind == "rebuild":
        chapter = sorted((book / "chapters").glob("*.md"))[len(list((book / "chapters").glob("*.md"))) // 2]
        text = chapter.read_text(encoding="utf-8")
        word = "dinsdag" if "dinsdag" in text else re.findall(r"\b[a-z]{6,}\b", text.split("\n---\n", 1)[-1])[0]
        edited = text.replace(word, word + "je", 1) if not text.count(word + "je") else text.replace(word + "je", word, 1)
        chapter.write_text(edited, encoding="utf-8")
        return measure([[workbook, "build", str(book), "-o", str(dist), "-f", "pdf,epub", "-q"]])
    markdown, meta = pandoc_sources(book, work)
    metadata = [f"--metadata={key}:{value}" for key, value in meta.items()]
    if kind == "pandoc-weasyprint":
        html = work / "pandoc.html"
        (work / "page.css").write_text(f"@page {{ size: {PAGE_SIZE}; }}\n", encoding="utf-8")
        measure([["pandoc", "-s", str(markdown), "-o", str(html), "--css", "page.css", *metadata]])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = measure([[str(BIN / "weasyprint"), str(html), str(work / "pandoc.pdf")]])
        result["cpu"] -= before.ru_utime + before.ru_stime
        result["pages"] = pdf_pages(work / "pandoc.pdf")
        return result
    if kind == "pandoc-epub":
        return measure([["pandoc", str(markdown), "-o", str(work / "pandoc.epub"), *metadata]])
    raise SystemExit(f"unknown kind {kind}")


def run(kind: str, book: Path, work: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", kind, "--book", str(book), "--work", str(work)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def pdf_pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", type=int, nargs="+", default=[40, 160])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--book", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.book, args.work)))
        return
    if not shutil.which("pandoc"):
        raise SystemExit("pandoc is not installed (make bench installs Debian's pandoc)")
    version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    results: dict[int, dict[str, dict]] = {}
    pages: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        for count in args.chapters:
            work = Path(tmp) / f"work-{count}"
            work.mkdir()
            book = make_book(Path(tmp), count)
            kinds = ["workbook", "workbook-all", "rebuild", "workbook-epub", "epub-warm", "pdf", "pdf-plain", "cpu-page",
                     "cpu-plain", "whole", "pandoc-weasyprint", "pandoc-epub"]
            if count != min(args.chapters):  # CPU a page in one process: measured on the smallest book
                for kind in ("cpu-page", "cpu-plain", "whole"):
                    kinds.remove(kind)
            runs: dict[str, list[dict]] = {k: [] for k in kinds}
            for attempt in range(args.runs):
                for kind in kinds:
                    if kind in ("rebuild", "epub-warm"):  # a warm build just before, then the edit or the EPUB
                        run("workbook", book, work)
                    runs[kind].append(run(kind, book, work))
                    print(f"{count} chapters, {kind} run {attempt + 1}: {runs[kind][-1]['wall']:.2f} s, "
                          f"{runs[kind][-1]['tree_mb']:.0f} MB", file=sys.stderr)
            run("workbook", book, work)
            pages[count] = pdf_pages(next((work / "dist").glob("*.pdf")))
            results[count] = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "max_mb", "tree_mb", "cpu")}
                              | {"pages": v[-1].get("pages", pages[count] if k.startswith(("workbook", "rebuild", "epub"))
                                                    else None)}
                              for k, v in runs.items()}
    print(f"\nworkbook build vs {version}; medians of {args.runs} runs on {os.cpu_count()} cores\n")
    print(f"{'chapters':>8} {'pages':>6} {'pipeline':<40} {'wall s':>8} {'CPU s':>7} {'max proc MB':>12} {'tree MB':>8}")
    labels = {"workbook": "workbook build -f pdf,epub (cold)", "workbook-all": "workbook build -f pdf,print,epub (cold)",
              "rebuild": "rebuild after one-word edit", "workbook-epub": "workbook build -f epub (cold)",
              "epub-warm": "workbook build -f epub (layout cached)", "cpu-page": "reader's PDF, one process (cold)",
              "whole": "the book's HTML as one WeasyPrint document", "pdf": "workbook build -f pdf (cold)",
              "pdf-plain": "the same, no tags, no fields (cold)", "cpu-plain": "the same, no tags, no fields",
              "pandoc-weasyprint": "pandoc -> HTML -> weasyprint (weasyprint)", "pandoc-epub": "pandoc -> EPUB"}
    for count, rows in results.items():
        for kind, row in rows.items():
            shown = str(row["pages"]) if row["pages"] else "-"
            print(f"{count:>8} {shown:>6} {labels[kind]:<40} {row['wall']:>8.2f} {row['cpu']:>7.2f} "
                  f"{row['max_mb']:>12.0f} {row['tree_mb']:>8.0f}")
    print("\ntargets")
    for count, rows in results.items():
        pandoc_both = rows["pandoc-weasyprint"]["wall"] + rows["pandoc-epub"]["wall"]
        checks = [
            ("full build / (pandoc->weasyprint + pandoc epub)", rows["workbook"]["wall"] / pandoc_both, 0.6),
            ("rebuild after one-word edit / full build", rows["rebuild"]["wall"] / rows["workbook"]["wall"], 0.1),
            ("-f pdf,print,epub / -f pdf,epub", rows["workbook-all"]["wall"] / rows["workbook"]["wall"], 1.1),
            ("EPUB step (layout cached) / pandoc EPUB", rows["epub-warm"]["wall"] / rows["pandoc-epub"]["wall"], 0.5),
            ("EPUB alone, cold / pandoc EPUB", rows["workbook-epub"]["wall"] / rows["pandoc-epub"]["wall"], 0.5),
        ]
        if "cpu-page" in rows:
            checks.append(("CPU a page, one process / weasyprint on pandoc's HTML",
                           (rows["cpu-page"]["cpu"] / rows["cpu-page"]["pages"])
                           / (rows["pandoc-weasyprint"]["cpu"] / rows["pandoc-weasyprint"]["pages"]), 1.0))
        print(f"  {count:>3} chapters: reader's PDF with tags and fields / without: wall "
              f"{rows['pdf']['wall'] / rows['pdf-plain']['wall']:.2f}, CPU {rows['pdf']['cpu'] / rows['pdf-plain']['cpu']:.2f}"
              + (f", one process CPU {rows['cpu-page']['cpu'] / rows['cpu-plain']['cpu']:.2f}" if "cpu-plain" in rows else ""))
        for label, ratio, limit in checks:
            verdict = "met" if ratio <= limit else "NOT met"
            print(f"  {count:>3} chapters: {label:<55} {ratio:6.2f}  (target <= {limit})  {verdict}")
        if "whole" in rows:  # where CPU a page goes: our pages in WeasyPrint (the floor), and the pipeline around it
            per_page = {k: rows[k]["cpu"] / rows[k]["pages"] for k in ("cpu-page", "whole", "pandoc-weasyprint")}
            print(f"  {count:>3} chapters: floor: CPU a page, the book's HTML in WeasyPrint / pandoc's HTML      "
                  f"{per_page['whole'] / per_page['pandoc-weasyprint']:6.2f}")
            print(f"  {count:>3} chapters: pipeline: CPU a page, one process / the book's HTML in WeasyPrint   "
                  f"{per_page['cpu-page'] / per_page['whole']:6.2f}")
        for kind in [k for k in ("cpu-page", "cpu-plain", "whole", "pandoc-weasyprint") if k in rows]:
            per_page = 1000 * rows[kind]["cpu"] / rows[kind]["pages"]
            print(f"  {count:>3} chapters: CPU a page, {labels[kind]:<43} {per_page:6.1f} ms ({rows[kind]['pages']} pages)")
    if len(results) >= 2:
        small, large = min(results), max(results)
        for metric, name in (("tree_mb", "process tree"), ("max_mb", "largest process")):
            ratio = results[large]["workbook"][metric] / results[small]["workbook"][metric]
            verdict = "met" if ratio <= 1.2 else "NOT met"
            print(f"  peak RSS ({name}) {large} / {small} chapters: {ratio:6.2f}  (target <= 1.2)  {verdict}")


if __name__ == "__main__":
    main()
