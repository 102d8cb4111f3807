"""Untrusted pictures and named files: the cover, chapter pictures, attachments, how_to_use and a style's
url()s are checked in one place (size by stat before reading, Pillow's header, format); SVGs are checked on
the parsed document, so comments, CDATA, DOCTYPEs, entities and processing instructions hide nothing."""
from __future__ import annotations

import os
import time

import pytest

import workbook
from helpers import chapter
from test_bad_input import errors_of, png, png_header_only
from workbook.files.images import ImageProblem, check_svg
from workbook.source.check import check_book

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
GOOD_SVG = (f'<svg {SVG_NS} width="20" height="20"><defs><linearGradient id="g"/></defs>'
            '<style>rect { fill: url(#g) } /* url(http://in.a/comment) */</style><!-- a comment -->'
            '<rect width="20" height="20" style="fill: url(#g)" filter="url( \'#g\' )" aria-label="the url\'s @ part"/>'
            '</svg>').encode()


# -- SVG on the parsed document -------------------------------------------------------------------

@pytest.mark.parametrize("svg, reason", [
    (f'<svg {SVG_NS}><style>rect {{}}<!-- hidden -->@import url(http://example.org/x.css);</style></svg>', "<style> loads"),
    (f'<svg {SVG_NS}><style><![CDATA[ @import "http://example.org/x.css"; ]]></style></svg>', "<style> loads"),
    (f'<svg {SVG_NS}><style>a{{}}<![CDATA[ rect {{ fill: url(http://example.org/p.png) }} ]]></style></svg>', "<style> loads"),
    (f'<svg {SVG_NS}><style>rect {{ fill: u\\72l(file:///etc/passwd) }}</style></svg>', "<style> loads"),
    (f'<svg {SVG_NS}><style>rect {{ fill: image-set("x.png" 1x) }}</style></svg>', "image-set"),
    (f'<svg {SVG_NS}><rect filter="url(http://example.org/f.svg#f)"/></svg>', "filter= attribute loads"),
    (f'<svg {SVG_NS}><rect style="fill: url(&quot;file:///etc/passwd&quot;)"/></svg>', "style= attribute loads"),
    (f'<svg {SVG_NS}><rect fill="url(http://example.org/a b)"/></svg>', "fill= attribute loads"),
    (f'<svg {SVG_NS}><image xlink:href="file:///etc/hostname"/></svg>', "refers to another file"),
    (f'<svg {SVG_NS}><use href="other.svg#x"/></svg>', "refers to another file"),
    (f'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg {SVG_NS}/>', "DOCTYPE"),
    (f'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg {SVG_NS}/>', "DOCTYPE"),
    (f'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg {SVG_NS}><text>&a;</text></svg>', "DOCTYPE"),
    (f'<?xml-stylesheet href="http://example.org/x.css"?><svg {SVG_NS}/>', "processing instruction"),
    (f'<svg {SVG_NS}><style>rect {{}}<?php x ?>@import url(x.css);</style></svg>', "processing instruction"),
    (f'<svg {SVG_NS} onload="alert(1)"/>', "event handler"),
    (f'<svg {SVG_NS}><foreignObject><p>x</p></foreignObject></svg>', "<foreignobject> element"),
])
def test_svg_bypasses_are_refused(svg, reason):
    with pytest.raises(ImageProblem) as caught:
        check_svg(svg.encode())
    assert reason in str(caught.value)


def test_svg_entities_in_utf16_are_refused():
    svg = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY a "x">]><svg {SVG_NS}><text>&a;</text></svg>'
    with pytest.raises(ImageProblem, match="DOCTYPE"):
        check_svg(svg.encode("utf-16"))


def test_a_plain_svg_with_internal_references_passes():
    check_svg(GOOD_SVG)


def test_check_reports_the_hidden_import_with_file_and_line(books):
    svg = f'<svg {SVG_NS}><style>rect {{}}<!-- x -->@import url(http://example.org/x.css);</style></svg>'
    book = books.write({"01-one.md": chapter("Text.\n\n![drawing](images/d.svg)")}, files={"images/d.svg": svg})
    errors = [str(d) for d in check_book(book).errors]
    assert errors == ["chapters/01-one.md:7: error: image images/d.svg is an SVG whose <style> loads another file or is "
                      "not plain CSS (@import url(http://example.org/x.css)); remove url(…) and @import (only url(#id) of the SVG itself may stay)"]


# -- the cover and other named files: stat first, then Pillow's header ---------------------------

def config_errors(book) -> list[str]:
    with pytest.raises(workbook.ConfigError) as caught:
        workbook.load_config(book)
    return [str(d) for d in caught.value.diagnostics if d.severity == "error"]


def sparse(path, size: int, head: bytes = b"") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head)
    os.truncate(path, size)


def test_a_cover_with_too_many_pixels_is_refused(books):
    book = books.write({"01-one.md": chapter("Text.")}, extra="cover: images/cover.png\n",
                       files={"images/cover.png": png_header_only(25_000, 25_000)})
    assert config_errors(book) == ["book.yaml:5: error: cover: images/cover.png: has too many pixels (a decompression "
                                   "bomb?); the limit is 40 megapixels"]


def test_a_sparse_cover_is_refused_by_its_size_before_reading(books):
    book = books.write({"01-one.md": chapter("Text.")}, extra="cover: images/cover.png\n")
    sparse(book / "images" / "cover.png", 5_000_000_000, png(4, 4))
    started = time.monotonic()
    assert config_errors(book) == ["book.yaml:5: error: cover: images/cover.png: is 5000 MB; the limit is 20 MB — make the picture smaller"]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("name, content, reason", [
    ("images/cover.svg", f'<svg {SVG_NS}><script>alert(1)</script></svg>'.encode(), "<script> element"),
    ("images/cover.svg", f'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg {SVG_NS}/>'.encode(), "DOCTYPE"),
    ("images/cover.png", b"\xff\xd8\xff\xe0 not really a jpeg either", "cannot be read"),
    ("images/cover.gif", b"GIF89a" + b"\0" * 20, "not a picture workbook can read"),
    ("images/cover.bmp", b"BM" + b"\0" * 60, "not a picture format e-readers show"),
])
def test_the_cover_is_checked_like_every_picture(name, content, reason, books):
    book = books.write({"01-one.md": chapter("Text.")}, extra=f"cover: {name}\n", files={name: content})
    [error] = config_errors(book)
    assert error.startswith(f"book.yaml:5: error: cover: {name}: ") and reason in error


def test_a_cover_whose_content_does_not_match_its_name_is_refused(books):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="JPEG")
    book = books.write({"01-one.md": chapter("Text.")}, extra="cover: images/cover.png\n",
                       files={"images/cover.png": buffer.getvalue()})
    assert config_errors(book) == ["book.yaml:5: error: cover: images/cover.png: is not a PNG file (it holds a JPEG "
                                   "picture); rename it to .jpg"]


def test_sparse_attachments_and_how_to_use_are_refused_by_their_size(books):
    book = books.write({"01-one.md": chapter("Text.")},
                       extra="how_to_use: how.md\nattachments: [files/big.pdf, files/pipe]\n")
    sparse(book / "how.md", 5_000_000_000, b"# How\n")
    sparse(book / "files" / "big.pdf", 5_000_000_000, b"%PDF-1.7\n")
    os.mkfifo(book / "files" / "pipe")
    started = time.monotonic()
    assert config_errors(book) == [
        "book.yaml:5: error: how_to_use: how.md is 5000 MB; the limit is 1 MB — split it or shorten it",
        "book.yaml:6: error: attachments[0]: files/big.pdf is 5000 MB; the limit is 40 MB — attach a smaller file or link to it",
        "book.yaml:6: error: attachments[1]: files/pipe is not a regular file (a folder, device or pipe); name a file",
    ]
    assert time.monotonic() - started < 2


def test_a_sparse_chapter_picture_is_refused_by_its_size(books):
    book = books.write({"01-one.md": chapter("Text.\n\n![big](images/big.png)")})
    sparse(book / "images" / "big.png", 5_000_000_000, png(4, 4))
    errors = [str(d) for d in check_book(book).errors]
    assert errors == ["chapters/01-one.md:7: error: image images/big.png is 5000 MB; the limit is 20 MB — make the picture smaller"]


@pytest.mark.build
def test_a_picture_bomb_behind_a_stylesheet_url_is_refused_whatever_its_name(books):
    book = books.write({"01-one.md": chapter("Text.")},
                       files={"styles/extra.css": 'body { background: url("images/texture.dat"); }',
                            "images/texture.dat": png_header_only(25_000, 25_000)})
    [error] = errors_of(book, ["pdf"])
    assert error.startswith("styles/extra.css:1: error: ") and error.endswith(
        "texture.dat: image has too many pixels (a decompression bomb?); the limit is 40 megapixels")
