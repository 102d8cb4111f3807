"""Untrusted books: each bad input gets its exact outcome (an error naming file:line, or a warning and a
safe build); nothing outside the book leaks into a PDF or EPUB and no network connection is opened."""
from __future__ import annotations

import io
import socket
import struct
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

import workbook
from helpers import BOOK_YAML, chapter, epub_files, epubcheck_problems

SECRET = "SECRET-7f3a9c-do-not-leak"


@pytest.fixture(autouse=True)
def secret_beside_the_book(tmp_path):
    """A file beside the test book (tmp_path/book) whose text must never reach an output."""
    (tmp_path / "secret.txt").write_text(SECRET)


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test (and is recorded)."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkUsed(f"network connection attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == [], "a network connection was attempted"


def errors_of(book: Path, formats=("pdf", "epub"), out: Path | None = None) -> list[str]:
    with pytest.raises(workbook.WorkbookError) as caught:
        workbook.build(book, out or book.parent / "dist", list(formats))
    return [str(d) for d in caught.value.diagnostics]


def build_ok(book: Path, formats=("epub",), out: Path | None = None) -> workbook.BuildResult:
    result = workbook.build(book, out or book.parent / "dist", list(formats))
    for path in result.outputs:
        assert_no_leak(path)
    return result


def warnings_of(result: workbook.BuildResult) -> list[str]:
    return [str(w) for w in result.warnings]


def assert_no_leak(path: Path) -> None:
    """No embedded files or file-attachment annotations, and no secret text, in a PDF or EPUB."""
    data = path.read_bytes()
    assert SECRET.encode() not in data
    if path.suffix == ".pdf":
        with pikepdf.open(path) as pdf:
            assert len(pdf.attachments) == 0
            names = pdf.Root.get("/Names")
            assert names is None or "/EmbeddedFiles" not in names
            for page in pdf.pages:
                for annot in page.get("/Annots") or []:
                    assert annot.get("/Subtype") != "/FileAttachment"
                    assert "/FS" not in annot
        import pypdf

        text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
        assert SECRET not in text
    elif path.suffix == ".epub":
        for name, content in epub_files(path).items():
            assert SECRET.encode() not in content, name
            assert "secret" not in name.lower()


def png(width: int, height: int, colour=(200, 60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size in its header (a decompression bomb's first bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00\x00\x00\x00IEND\xaeB`\x82")


WARN_HTML = "warning: raw HTML {!r} was sanitised (scripts, styles, frames, event handlers and unsafe links are removed)"


# -- hostile HTML: warning, build succeeds, the dangerous part is gone ----------------------------

@pytest.mark.build
@pytest.mark.parametrize("raw, first, gone", [
    ("<script>fetch('x')</script>", "<script>fetch('x')</script>", b"fetch("),
    ('<p style="position:fixed">styled</p>', '<p style="position:fixed">styled</p>', b"position:fixed"),
    ("<style>body{display:none}</style>", "<style>body{display:none}</style>", b"display:none}"),
    ('<svg onload="alert(1)"><circle r="4"/></svg>', '<svg onload="alert(1)">', b"onload"),
    ('<object data="file:///etc/hostname"></object>', '<object data="file:///etc/hostname"></object>', b"/etc/hostname"),
    ('<embed src="../secret.txt">', '<embed src="../secret.txt">', b"secret.txt"),
    ('<iframe src="https://example.org"></iframe>', '<iframe src="https://example.org"></iframe>', b"iframe"),
    ('<link rel="attachment" href="file:///etc/hostname">', '<link rel="attachment" href="file:///etc/hostname">', b"/etc/hostname"),
])
def test_hostile_raw_html_is_sanitised_with_a_warning(raw, first, gone, books):
    book = books.write({"01-one.md": chapter(f"Intro.\n\n{raw}\n\nAfter.")})
    result = build_ok(book, ["epub"])
    found = warnings_of(result)
    assert found[0] == "chapters/01-one.md:7: " + WARN_HTML.format(first[:40])
    assert all(w.startswith("chapters/01-one.md:7: warning: raw HTML ") for w in found)
    assert gone not in epub_files(result.outputs[0])["EPUB/chapter-01-one.xhtml"]


@pytest.mark.build
@pytest.mark.parametrize("link, shown", [
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("file:///etc/hostname", "file:///etc/hostname"),
    ("data:text/html;base64,PHNjcmlwdD4=", "data:text/html;base64,PHNjcmlwdD4="),
    ("&#106;avascript:alert(1)", "javascript:alert(1)"),
])
def test_markdown_links_with_unsafe_schemes_are_removed(link, shown, books):
    book = books.write({"01-one.md": chapter(f"Text.\n\nClick [here]({link}) now.")})
    result = build_ok(book, ["pdf", "epub"])
    assert warnings_of(result) == [f"chapters/01-one.md:7: warning: link to {shown!r} removed; links may go to http(s), mailto or inside the book"]
    xhtml = epub_files(next(p for p in result.outputs if p.suffix == ".epub"))["EPUB/chapter-01-one.xhtml"].decode()
    assert "<a>here</a>" in xhtml


@pytest.mark.build
def test_attribute_lists_cannot_add_handlers_styles_or_attachments(books):
    body = "Text.\n\n[file](../secret.txt){rel=attachment onclick=\"go()\"}\n\nStyled.\n{style=\"color:red\"}"
    book = books.write({"01-one.md": chapter(body)})
    result = build_ok(book)
    assert warnings_of(result) == [
        "chapters/01-one.md:7: warning: attribute onclick='go()' removed from <a>; styles, event handlers and link relations are not allowed in chapters",
        "chapters/01-one.md:7: warning: attribute rel='attachment' removed from <a>; styles, event handlers and link relations are not allowed in chapters",
        "chapters/01-one.md:10: warning: attribute style='color:red' removed from <p>; styles, event handlers and link relations are not allowed in chapters",
        "chapters/01-one.md:7: warning: link '../secret.txt' leads nowhere in a book; use a full web address (https://…) "
        "or #a-section of this book (it is kept as plain text in the EPUB)",
    ]


def test_a_layout_override_cannot_attach_files(tmp_path, books):
    from helpers import REPO

    template = (REPO / "layouts" / "pdf.html").read_text().replace(
        "<body>", '<body>\n<a rel="attachment" href="../secret.txt">x</a><link rel="attachment" href="file:///etc/hostname">')
    book = books.write({"01-one.md": chapter("Text.")}, files={"layouts/pdf.html": template})
    assert errors_of(book, ["pdf"]) == [
        'layouts: error: <a rel="attachment" href="../secret.txt"> would embed a file in the PDF; list files to attach under attachments: in book.yaml',
        'layouts: error: <link rel="attachment" href="file:///etc/hostname"> would embed a file in the PDF; list files to attach under attachments: in book.yaml',
    ]
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


@pytest.mark.build
def test_declared_attachments_are_embedded_and_only_they(tmp_path, books):
    book = books.write({"01-one.md": chapter("Text.")}, extra="attachments: [files/answers.txt]\n",
                       files={"files/answers.txt": "the answers"})
    result = workbook.build(book, tmp_path / "dist", ["pdf"])
    with pikepdf.open(result.outputs[0]) as pdf:
        assert list(pdf.attachments) == ["answers.txt"]
        assert pdf.attachments["answers.txt"].get_file().read_bytes() == b"the answers"


def test_an_attachment_outside_the_book_is_refused(books):
    book = books.write({"01-one.md": chapter("Text.")}, extra="attachments: [../secret.txt]\n")
    assert errors_of(book) == ["book.yaml:5: error: attachments[0]: ../secret.txt is outside the book folder; attachments must live inside it"]


# -- paths: traversal and symlinks --------------------------------------------------------------

def test_image_path_traversal_is_refused(tmp_path, books):
    (tmp_path / "outside.png").write_bytes(png(10, 10))
    book = books.write({"01-one.md": chapter("Text.\n\n![x](../../outside.png)")})
    assert errors_of(book) == ["chapters/01-one.md:7: error: image ../../outside.png: is outside the book folder; pictures must live inside it"]


def test_symlinked_image_escaping_the_book_is_refused(tmp_path, books):
    (tmp_path / "outside.png").write_bytes(png(10, 10))
    book = books.write({"01-one.md": chapter("Text.\n\n![x](images/link.png)")})
    (book / "images").mkdir()
    (book / "images" / "link.png").symlink_to(tmp_path / "outside.png")
    assert errors_of(book) == ["chapters/01-one.md:7: error: image images/link.png: is outside the book folder; pictures must live inside it"]


def test_symlinked_chapter_escaping_the_book_is_refused(tmp_path, books):
    (tmp_path / "elsewhere.md").write_text(chapter(SECRET))
    book = books.write({"01-one.md": chapter("Text.")})
    (book / "chapters" / "01-one.md").unlink()
    (book / "chapters" / "01-one.md").symlink_to(tmp_path / "elsewhere.md")
    assert errors_of(book) == ["book.yaml:6: error: chapters[0]: chapters/01-one.md is outside the book folder; chapters must live inside it"]


def test_a_chapter_path_with_dotdot_is_refused(books):
    book = books.write({"01-one.md": chapter("Text.")})
    (book / "book.yaml").write_text(BOOK_YAML.format(title="T", extra="", chapters="  - ../secret.txt\n"))
    assert errors_of(book) == ["book.yaml:6: error: chapters[0]: ../secret.txt is outside the book folder; chapters must live inside it"]


@pytest.mark.build
def test_a_book_stylesheet_cannot_read_outside_files(tmp_path, books):
    book = books.write({"01-one.md": chapter("Text.")},
                       files={"styles/extra.css": 'body { background: url("../../secret.txt"); }'})
    assert errors_of(book, ["pdf"]) == [f"styles/extra.css:1: error: {(tmp_path.parent / 'secret.txt').as_uri()}: is outside the book folder; only files inside the book may be used"]


# -- network ------------------------------------------------------------------------------------

def test_remote_image_is_refused_without_allow_remote(no_network, books):
    book = books.write({"01-one.md": chapter("Text.\n\n![x](https://example.org/a.png)")})
    assert errors_of(book) == ["chapters/01-one.md:7: error: image https://example.org/a.png: network access is off; "
                               "save the picture in images/ or set allow_remote: true in book.yaml"]
    assert no_network == []


@pytest.mark.build
def test_remote_stylesheet_resources_open_no_connection(no_network, books):
    book = books.write({"01-one.md": chapter("Text.")},
                       files={"styles/extra.css": 'p { color: red; }\nh1 { background: url(https://example.org/bg.png); }'})
    assert errors_of(book, ["pdf"]) == ["styles/extra.css:2: error: https://example.org/bg.png: network access is off; "
                                        "download the file into the book folder (or set allow_remote: true in book.yaml)"]
    assert no_network == []


@pytest.mark.build
def test_links_to_websites_are_kept_and_not_fetched(no_network, books):
    book = books.write({"01-one.md": chapter("See [the site](https://example.org/page).")})
    result = build_ok(book, ["pdf"])
    assert warnings_of(result) == []
    with pikepdf.open(next(p for p in result.outputs if p.suffix == ".pdf")) as pdf:
        uris = [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots") or [] if "/A" in a and "/URI" in a.A]
    assert uris == ["https://example.org/page"]


# -- images -------------------------------------------------------------------------------------

def image_case(books, data: bytes, name: str = "images/pic.png") -> Path:
    return books.write({"01-one.md": chapter(f"Text.\n\n![a picture]({name})")}, files={name: data})


def test_missing_image(books):
    book = books.write({"01-one.md": chapter("Text.\n\n![x](images/nope.png)")})
    assert errors_of(book) == ["chapters/01-one.md:7: error: image images/nope.png: not found"]


def test_undecodable_image(books):
    book = image_case(books, b"this is not a picture at all")
    assert errors_of(book) == ["chapters/01-one.md:7: error: image images/pic.png is not a picture workbook can read; use PNG, JPEG, GIF, WebP or SVG"]


def test_truncated_image(books):
    import os

    noise = io.BytesIO()
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(noise, format="PNG")
    book = image_case(books, noise.getvalue()[:20_000])
    (problem,) = errors_of(book)
    assert problem.startswith("chapters/01-one.md:7: error: image images/pic.png is damaged or cut off and cannot be decoded")


def test_decompression_bomb_header_is_refused_before_decoding(books):
    book = image_case(books, png_header_only(100_000, 100_000))
    assert errors_of(book) == ["chapters/01-one.md:7: error: image images/pic.png has too many pixels (a decompression bomb?); the limit is 40 megapixels"]


def test_oversized_image(books):
    book = image_case(books, png_header_only(8000, 6000))
    assert errors_of(book) == ["chapters/01-one.md:7: error: image images/pic.png has too many pixels (a decompression bomb?); the limit is 40 megapixels"]


def test_svg_with_script_is_refused(books):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="5" height="5"/></svg>'
    book = image_case(books, svg, "images/d.svg")
    assert errors_of(book) == ["chapters/01-one.md:7: error: image images/d.svg is an SVG with a <script> element; pictures may not run code or embed documents"]


def test_svg_referring_to_outside_files_is_refused(books):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///etc/hostname"/></svg>'
    book = image_case(books, svg, "images/d.svg")
    assert errors_of(book) == ["chapters/01-one.md:7: error: image images/d.svg is an SVG that refers to another file (file:///etc/hostname); embed only its own shapes"]


def test_data_uri_image_is_refused(books):
    book = books.write({"01-one.md": chapter("Text.\n\n![x](data:image/png;base64,iVBORw0KGgo=)")})
    assert errors_of(book) == ["chapters/01-one.md:7: error: image data:image/png;base64,iVBORw0KGgo=: data: sources are not allowed; save the picture in images/ and use its path"]


@pytest.mark.build
def test_good_images_go_into_pdf_and_epub(books):
    book = books.write({"01-🌱-one.md": chapter("Text 🌱.\n\n![red](../images/red%20🌻.png)\n\n<img src=\"images/blue.png\" alt=\"blue\">\n\n![svg](images/d.svg)")},
                       title="Pictures 🌍", files={"images/red 🌻.png": png(120, 60), "images/blue.png": png(60, 60, (20, 40, 200)),
                            "images/d.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="green"/></svg>'})
    result = build_ok(book, ["pdf", "epub"])
    files = epub_files(next(p for p in result.outputs if p.suffix == ".epub"))
    assert sorted(n for n in files if n.startswith("EPUB/media/")) == ["EPUB/media/image-001.png", "EPUB/media/image-002.png", "EPUB/media/image-003.svg"]
    assert files["EPUB/media/image-001.png"] == (book / "images" / "red 🌻.png").read_bytes()
    xhtml = files["EPUB/chapter-01-one.xhtml"].decode()
    assert 'src="media/image-001.png"' in xhtml and 'src="media/image-002.png"' in xhtml
    assert epubcheck_problems(next(p for p in result.outputs if p.suffix == ".epub")) == []
    with pikepdf.open(next(p for p in result.outputs if p.suffix == ".pdf")) as pdf:
        images = [name for page in pdf.pages for name in page.get_images()]
    assert len(images) >= 2


# -- pathological input -------------------------------------------------------------------------

def test_2000_nested_quotes(books):
    book = books.write({"01-one.md": chapter("Text.\n\n" + "> " * 2000 + "deep")})
    assert errors_of(book) == ["chapters/01-one.md:7: error: block quotes are nested 2000 deep; the limit is 20"]


def test_300_deep_list(books):
    body = "".join("    " * level + "- item\n" for level in range(300))
    book = books.write({"01-one.md": chapter("Text.\n\n" + body)})
    assert errors_of(book) == ["chapters/01-one.md:27: error: list is nested 21 levels deep; the limit is 20"]


def test_5_mb_paragraph(books):
    book = books.write({"01-one.md": chapter("word " * 1_000_000)})
    assert errors_of(book) == ["chapters/01-one.md: error: chapter is 5 MB; split it (limit 1 MB)"]


def test_300_kb_paragraph(books):
    book = books.write({"01-one.md": chapter("Intro.\n\n" + "word " * 60_000)})
    assert errors_of(book) == ["chapters/01-one.md:7: error: paragraph is 300 kB long; the limit is 100 kB — split it with blank lines"]


def test_thousands_of_open_brackets(books):
    book = books.write({"01-one.md": chapter("Intro.\n\n" + "[ " * 5000)})
    assert errors_of(book) == ["chapters/01-one.md:7: error: paragraph holds 5000 '[' characters; the limit is 1000 — split it or write them as \\["]


# -- book.yaml ----------------------------------------------------------------------------------

def test_broken_yaml(books):
    book = books.write({"01-one.md": chapter("Text.")})
    (book / "book.yaml").write_text("title: [oops\nauthor: x\n")
    (problem,) = errors_of(book)
    assert problem.startswith("book.yaml:2: error: invalid YAML")


def test_oversized_yaml(books):
    book = books.write({"01-one.md": chapter("Text.")})
    with (book / "book.yaml").open("a") as handle:
        handle.write("# " + "x" * 300_000 + "\n")
    assert errors_of(book) == ["book.yaml: error: is 300 kB; settings fit in far less (limit 256 kB) — is this the right file?"]


def test_wrong_types(books):
    book = books.write({"01-one.md": chapter("Text.")}, extra="prompt_lines: many\nallow_remote: perhaps\nattachments: files/x.pdf\n")
    assert errors_of(book) == [
        "book.yaml:5: error: prompt_lines: input should be a valid integer, unable to parse string as an integer",
        "book.yaml:6: error: allow_remote: input should be a valid boolean, unable to interpret input",
        "book.yaml:7: error: attachments: input should be a valid list",
    ]


def test_empty_book(books):
    book = books.write({})
    (book / "book.yaml").write_text("title: Empty\nauthor: Me\nchapters: []\n")
    assert errors_of(book) == ["book.yaml:3: error: chapters: list should have at least 1 item after validation, not 0"]


# -- chapter files ------------------------------------------------------------------------------

def test_non_utf8_chapter(books):
    book = books.write({"01-one.md": "---\ntitle: T\n---\n\nCaf\xe9\n".encode("latin-1")})
    assert errors_of(book) == ["chapters/01-one.md:5: error: is not UTF-8 text; save the file as UTF-8"]


@pytest.mark.build
def test_bom_and_crlf_chapter_builds_with_right_line_numbers(books):
    text = "\ufeff---\r\ntitle: Windows\r\n---\r\n\r\nText.\r\n\r\n<script>x()</script>\r\n\r\n💡 Does CRLF work?\r\n"
    book = books.write({"01-one.md": text.encode("utf-8")})
    result = build_ok(book, ["epub"])
    assert warnings_of(result) == ["chapters/01-one.md:7: " + WARN_HTML.format("<script>x()</script>")]
    manuscript = workbook.load_book(book)
    assert manuscript.chapters[0].title == "Windows"
    assert [(p.text, p.line) for p in manuscript.prompts] == [("Does CRLF work?", 9)]


def test_empty_chapter(books):
    book = books.write({"01-one.md": chapter("Text."), "02-two.md": "---\ntitle: Nothing\n---\n\n"})
    assert errors_of(book) == ["chapters/02-two.md:4: error: chapter has no text; write it or remove it from book.yaml's chapters"]


def test_duplicate_slugs(books):
    book = books.write({"01-same.md": chapter("A."), "02-same.md": chapter("B.")})
    assert errors_of(book) == ["chapters/02-same.md:1: error: slug 'same' is also used by chapters/01-same.md; set a different `slug:` in the front matter"]


@pytest.mark.build
def test_emoji_in_titles_and_file_names(books):
    book = books.write({"01-🌱-groei.md": chapter("Growing 🌱 text.\n\n💡 What grows? 🌻", title="Groei 🌱")},
                       title="Emoji 🌍 Book", files={"images/🌻.png": png(40, 40)})
    (book / "chapters" / "01-🌱-groei.md").write_text(chapter("Growing 🌱 text.\n\n![sun](images/🌻.png)\n\n💡 What grows? 🌻", title="Groei 🌱"))
    result = build_ok(book, ["pdf", "epub"])
    assert [p.name for p in result.outputs] == ["emoji-book.pdf", "emoji-book.epub"]
    assert "media/image-001.png" in epub_files(result.outputs[1])["EPUB/chapter-01-groei.xhtml"].decode()
    assert workbook.load_book(book).chapters[0].slug == "groei"


@pytest.mark.build
def test_a_2000_character_prompt(books):
    question = ("Why " + "really " * 332).strip() + "?"
    assert len(question) >= 2000
    book = books.write({"01-one.md": chapter(f"Text.\n\n💡 {question}")})
    result = build_ok(book, ["pdf"])
    import pypdf

    text = " ".join((p.extract_text() or "") for p in pypdf.PdfReader(str(result.outputs[0])).pages)
    assert text.count("really") >= 332
    assert workbook.load_book(book).prompts[0].text == question


@pytest.mark.build
def test_500_prompts_in_one_chapter(books):
    body = "\n\n".join(f"💡 Question number {n}? {{lines=1}}" for n in range(1, 501))
    book = books.write({"01-one.md": chapter(body)})
    result = build_ok(book, ["epub"])
    manuscript = workbook.load_book(book)
    assert [p.id for p in manuscript.prompts] == [f"one-{n}" for n in range(1, 501)]
    xhtml = epub_files(result.outputs[0])["EPUB/chapter-01-one.xhtml"].decode()
    assert xhtml.count('class="prompt"') == 500


# -- the output folder --------------------------------------------------------------------------

def test_output_folder_is_the_book_or_a_parent(tmp_path, books):
    book = books.write({"01-one.md": chapter("Text.")})
    message = "error: output folder holds the book itself; choose a separate folder such as dist/"
    assert errors_of(book, out=book) == [f"{book}: {message}"]
    assert errors_of(book, out=tmp_path) == [f"{tmp_path}: {message}"]


def test_output_folder_inside_chapters_is_refused(books):
    book = books.write({"01-one.md": chapter("Text.")})
    out = book / "chapters" / "dist"
    assert errors_of(book, out=out) == [f"{out}: error: output folder is inside the book's chapters/ folder, which the build reads; choose a separate folder such as dist/"]


def test_a_chapter_inside_the_output_folder_is_refused(books):
    book = books.write({"01-one.md": chapter("Text.")}, files={"dist/02-old.md": chapter("Old output.")})
    (book / "book.yaml").write_text(BOOK_YAML.format(title="T", extra="", chapters="  - chapters/01-one.md\n  - dist/02-old.md\n"))
    out = book / "dist"
    assert errors_of(book, out=out) == [f"book.yaml:7: error: dist/02-old.md is inside the output folder {out}; a build never reads its own output"]


def test_an_image_inside_the_output_folder_is_refused(books):
    book = books.write({"01-one.md": chapter("Text.\n\n![x](out/cover.png)")}, files={"out/cover.png": png(20, 20)})
    out = book / "out"
    assert errors_of(book, out=out) == [f"chapters/01-one.md:7: error: image out/cover.png is inside the output folder {out}; a build never reads its own output"]
