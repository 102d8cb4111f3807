"""A chapter's HTML fragment in, the print edition's version out: every web link in further
reading and the call to action gets a QR code (segno, inline SVG) and a printed short URL."""
from __future__ import annotations

import functools
import html as html_lib
import re
import urllib.parse

import segno

# Our own fragments (manuscript output): a further-reading list or a call-to-action paragraph.
_BLOCK = re.compile(r'<(ul|ol)\b[^>]*class="[^"]*\bfurther-reading\b[^"]*"[^>]*>.*?</\1>'
                    r'|<p\b[^>]*class="cta"[^>]*>.*?</p>', re.S)
_LINK = re.compile(r'<a\b[^>]*href="(https?://[^"]+)"[^>]*>.*?</a>', re.S)


def short_url(url: str) -> str:
    """'https://www.example.org/x/?a=1' -> 'example.org/x/?a=1': what a reader types."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    rest = parts.path.rstrip("/") if not parts.query else parts.path
    text = host + rest + (f"?{parts.query}" if parts.query else "")
    return text


@functools.lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """The URL as a QR code (SVG data: URI, medium error correction, quiet zone 2 modules)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2, dark="#1e1e1e", light="#ffffff")


_ITEM = re.compile(r"(<li\b[^>]*>)(.*?)(</li>)", re.S)


def _codes(inner: str) -> tuple[str, str]:
    """For the web links in `inner`: QR codes (floated, to put first) and short URLs (to put last)."""
    codes, urls = [], []
    for url in dict.fromkeys(html_lib.unescape(u) for u in _LINK.findall(inner)):
        codes.append(f'<img class="qr" src="{qr_data_uri(url)}" alt=""/>')
        urls.append(f'<span class="short-url">{html_lib.escape(short_url(url))}</span>')
    if not codes:
        return "", ""
    return "".join(codes), f'<span class="print-link">{" ".join(urls)}</span>'


def _with_codes(match: re.Match) -> str:
    block = match[0]
    if block.startswith("<p"):
        head = block.index(">") + 1
        codes, urls = _codes(block)
        return block[:head] + codes + block[head:-len("</p>")] + urls + "</p>"

    def item(found: re.Match) -> str:
        codes, urls = _codes(found[2])
        return found[1] + codes + found[2] + urls + found[3]

    return _ITEM.sub(item, block)


def print_links(html: str) -> str:
    """Add a QR code and a short URL after each web link of further reading and calls to action."""
    return _BLOCK.sub(_with_codes, html)
