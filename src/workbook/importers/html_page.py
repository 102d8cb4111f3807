"""A saved HTML article page in, importer Blocks (title, language, unsure/dropped lines, local images) out."""
from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..model.locales import LOCALES
from .blocks import BULB, LINK, VS16, Block, Words, block_safe, detect_language, escape, item_text, section_heading, words_for
from .extract import keep_main, main_text
from .plain_text import _quote, is_name, sign_off

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
DROP = {"nav", "header", "footer", "aside", "script", "style", "noscript", "template", "form", "iframe", "object",
        "embed", "svg", "canvas", "button", "input", "select", "textarea", "dialog", "video", "audio", "map", "head"}
QUIET = {"script", "style", "noscript", "template", "head", "svg"}  # dropped without a report line
JUNK = {"ad", "ads", "advert", "advertisement", "adsense", "adsbygoogle", "sponsor", "sponsored", "promo", "share",
        "sharing", "sharedaddy", "social", "newsletter", "subscribe", "subscription", "signup", "optin", "mailchimp",
        "cookie", "cookies", "consent", "gdpr", "popup", "modal", "banner", "comments", "comment", "breadcrumb",
        "breadcrumbs", "sidebar", "widget", "meta", "byline", "speechify", "relatedposts"}
BLOCKS = {"p", "div", "section", "article", "main", "header", "figure", "figcaption", "ul", "ol", "dl", "blockquote",
          "pre", "table", "hr", "details", "summary", "body", "center", "address", "h1", "h2", "h3", "h4", "h5", "h6"}
AUTO_CLOSE = {"p": BLOCKS | {"li", "dt", "dd"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr"},
              "td": {"td", "th", "tr"}, "th": {"td", "th", "tr"}, "option": {"option"}}
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
MAX_IMAGE_BYTES = 25_000_000
BREAK, TOKEN = "\uE020", re.compile("\uE010(\\d+)\uE011")


class Node:
    __slots__ = ("tag", "attrs", "children", "line", "parent")

    def __init__(self, tag: str, attrs: dict[str, str], line: int, parent: Node | None):
        self.tag, self.attrs, self.line, self.parent = tag, attrs, line, parent
        self.children: list[Node | str] = []

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children if not
                       (isinstance(c, Node) and c.tag in QUIET))


class _Tree(HTMLParser):
    """HTML text -> a Node tree, closing the elements HTML lets authors leave open."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, 1, None)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        while len(self.stack) > 1 and tag in AUTO_CLOSE.get(self.stack[-1].tag, ()):
            self.stack.pop()
        node = Node(tag, {k: v or "" for k, v in attrs}, self.getpos()[0], self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for k in range(len(self.stack) - 1, 0, -1):
            if self.stack[k].tag == tag:
                del self.stack[k:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _junk(node: Node) -> str | None:
    """Why a node is dropped ('nav', 'ads (class=…)'), or None to keep it."""
    if node.tag in DROP and not (node.tag == "footer" and node.parent and node.parent.tag == "blockquote"):
        return node.tag
    if "hidden" in node.attrs or node.attrs.get("aria-hidden") == "true" or \
            re.search(r"display\s*:\s*none", node.attrs.get("style", "")):
        return "hidden element"
    label = f"{node.attrs.get('class', '')} {node.attrs.get('id', '')}"
    tokens = set(re.split(r"[\s_-]+", label.lower()))
    hit = sorted(tokens & JUNK)
    return f"<{node.tag}> {hit[0]} block ({label.strip()[:50]})" if hit else None


def _inside_junk(node: Node, root: Node) -> bool:
    while node is not root and node.parent is not None:
        node = node.parent
        if _junk(node):
            return True
    return False


def _remove(node: Node) -> None:
    if node.parent is not None:  # the root has no parent and is never removed
        node.parent.children.remove(node)


class _Converter:
    """Walks the article's element tree and emits Blocks."""

    def __init__(self, w: Words, base: str, folder: Path, shift: int, unsure: list[tuple[int, str]],
                 dropped: list[tuple[int, str]], images: list[Path]):
        self.w, self.base, self.folder, self.shift = w, base, folder.resolve(), shift
        self.unsure, self.dropped, self.images = unsure, dropped, images
        self.blocks: list[Block] = []
        self.section: str | None = None  # "faq" or "further" under such a heading
        self.line = 1
        self.remote = False

    # -- inline
    def inline(self, node: Node | str) -> str:
        if isinstance(node, str):
            return escape(re.sub(r"\s+", " ", node))
        self.line = node.line
        tag = node.tag
        if tag == "br":
            return BREAK
        if tag == "img":
            return self.image(node)
        if tag in ("code", "kbd", "samp"):
            raw = re.sub(r"\s+", " ", node.text())
            fence = "``" if "`" in raw else "`"
            return f"{fence}{raw}{fence}" if raw.strip() else raw
        inner = "".join(self.inline(child) for child in node.children)
        if tag in ("strong", "b"):
            return _wrap(inner, "**")
        if tag in ("em", "i", "cite", "dfn"):
            return _wrap(inner, "*")
        if tag == "q":
            return f"{self.w['quotes'][0]}{inner}{self.w['quotes'][1]}"
        if tag == "a":
            href = self.href(node.attrs.get("href", ""))
            return f"[{inner.strip()}]({href})" if href and inner.strip() and "](" not in inner else inner
        return f" {inner} " if tag in BLOCKS or tag in ("li", "td", "th", "dt", "dd", "tr") else inner

    def href(self, raw: str) -> str | None:
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            return None
        url = urljoin(self.base, raw) if self.base else raw
        if urlsplit(url).scheme not in ("http", "https", "mailto"):
            return None
        return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")

    def image(self, node: Node) -> str:
        a = node.attrs
        alt = re.sub(r"\s+", " ", a.get("alt", "")).strip()
        if alt and ("emoji" in a.get("class", "") or (len(alt) <= 2 and not alt.isalnum())):
            return alt  # WordPress draws emoji (💡, 🔗) as <img alt="💡">
        src = a.get("src") or a.get("data-src") or a.get("data-lazy-src") or a.get("srcset", "").split(" ")[0]
        src = src.strip()
        if not src:
            return escape(alt)
        parts = urlsplit(src)
        if self.remote and not parts.scheme:  # a fetched page's pictures are on its server, never on this disk
            src = urljoin(self.base, src)
            parts = urlsplit(src)
        if parts.scheme in ("http", "https") or src.startswith("//"):
            url = self.href(src if parts.scheme else "https:" + src)
            self.unsure.append((node.line, f"remote image {src[:80]} kept as a link, not downloaded"))
            return f"[{escape(alt) or 'image'}]({url})"
        if parts.scheme:
            self.unsure.append((node.line, f"image {src[:40]}… ({parts.scheme}:) left out"))
            return escape(alt)
        path = (self.folder / unquote(parts.path)).resolve()
        if not path.is_relative_to(self.folder):
            self.unsure.append((node.line, f"image {src} is outside the article's folder; left out"))
        elif not path.is_file() or path.suffix.lower() not in IMAGE_TYPES or path.stat().st_size > MAX_IMAGE_BYTES:
            self.unsure.append((node.line, f"image {src} not found (or not a picture); left out"))
        else:
            if path not in self.images:
                self.images.append(path)
            return f"![{escape(alt)}](\uE010{self.images.index(path)}\uE011)"
        return ""

    # -- blocks
    def walk(self, node: Node) -> None:
        pending: list[str] = []
        line = node.line
        for child in node.children:
            if isinstance(child, Node) and child.tag in BLOCKS:
                self.para("".join(pending), line)
                pending = []
                self.block(child)
            else:
                if not pending and isinstance(child, Node):
                    line = child.line
                pending.append(self.inline(child))
        self.para("".join(pending), line)

    def block(self, node: Node) -> None:
        tag, line = node.tag, node.line
        self.line = line
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = _tidy(self.inline(node), " ")
            if not text:
                return
            level = min(6, max(2, int(tag[1]) + self.shift))
            if level == 2:
                self.section, text = section_heading(text, self.w)
            kind = "faq_q" if self.section == "faq" and level > 2 else "heading"
            self.blocks.append(Block(kind, text, line, level=level, extra=self.section or "" if level == 2 else ""))
        elif tag in ("p", "address", "summary"):
            self.para(self.inline(node), line, question=tag == "summary")
        elif tag == "figcaption":
            self.para(_wrap(self.inline(node), "*"), line)
            if self.blocks and self.blocks[-1].line == line:
                self.blocks[-1].extra = "caption"
        elif "kg-callout-card" in node.attrs.get("class", ""):  # Ghost's callout: the emoji and its text in two divs
            self.para(_tidy(self.inline(node), " "), line)
        elif tag in ("ul", "ol"):
            items = [self.list_item(li) for li in node.children if isinstance(li, Node) and li.tag == "li"]
            items = [item_text(item) if self.section == "further" else item for item in items]
            items = [item for item in items if item]
            if items:
                start = "ol:" + node.attrs.get("start", "") if tag == "ol" else ""
                self.blocks.append(Block("list", "", line, items=items, extra=start))
        elif tag == "dl":
            pairs: list[list[str]] = []
            for child in (c for c in node.children if isinstance(c, Node)):
                text = _tidy(self.inline(child), " ")
                if child.tag == "dt" and text:
                    pairs.append([text, ""])
                elif child.tag == "dd" and pairs:
                    pairs[-1][1] = f"{pairs[-1][1]} {text}".strip()
            if pairs:
                self.blocks.append(Block("defs", "", line, items=[(t, d) for t, d in pairs]))
        elif tag == "blockquote":
            cite = next((c for c in node.iter() if c.tag in ("footer", "cite") and c is not node), None)
            if cite is not None:
                _remove(cite)
            inner = _Converter(self.w, self.base, self.folder, self.shift, self.unsure, self.dropped, self.images)
            inner.walk(node)
            text = "\n\n".join(b.text for b in inner.blocks if b.text)
            if text:
                who = _tidy(self.inline(cite), " ").lstrip("—–- ") if cite is not None else ""
                self.blocks.append(Block("quote", text, line, extra=who))
        elif tag == "pre":
            self.blocks.append(Block("code", node.text().strip("\n"), line))
        elif tag == "table":
            self.table(node)
        elif tag != "hr":
            self.walk(node)

    def list_item(self, li: Node) -> str:
        own = [c for c in li.children if not (isinstance(c, Node) and c.tag in ("ul", "ol"))]
        text = _tidy("".join(self.inline(c) for c in own))
        for sub in (c for c in li.children if isinstance(c, Node) and c.tag in ("ul", "ol")):
            items = [c for c in sub.children if isinstance(c, Node) and c.tag == "li"]
            marks = [f"{k}." for k in range(1, len(items) + 1)] if sub.tag == "ol" else ["-"] * len(items)
            text += "".join(f"\n{m} {self.list_item(c)}" for m, c in zip(marks, items, strict=True))
        return text.strip()

    def table(self, node: Node) -> None:
        rows = [[_tidy(self.inline(cell), " ").replace("|", "\\|") for cell in row.children
                 if isinstance(cell, Node) and cell.tag in ("td", "th")] for row in node.iter() if row.tag == "tr"]
        rows = [row for row in rows if row]
        if not rows:
            return
        width = max(map(len, rows))
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * width)
        self.blocks.append(Block("table", "\n".join(lines), node.line))
        self.unsure.append((node.line, "table converted to a Markdown table; check it"))

    def para(self, raw: str, line: int, question: bool = False) -> None:
        text = _tidy(raw)
        if not text or text == BREAK:
            return
        plain = re.sub(r"[*_]", "", text)
        low, lines = plain.lower(), plain.split("\n")
        strong = sum(c in low for c in self.w["newsletter"])
        if strong and strong + sum(c in low for c in self.w["hints"]) >= 2 or \
                len(lines) <= 2 and len(plain) < 80 and sign_off(lines[0].strip(), self.w) \
                and (len(lines) == 1 or is_name(lines[1].strip())):
            self.dropped.append((line, ("newsletter: " if strong else "sign-off: ") + plain[:60].replace("\n", " ")))
            return
        for emoji, kind in ((BULB, "prompt"), (LINK, "cta")):
            if plain.startswith(emoji):
                body = re.sub(rf"{emoji}{VS16}?", "", text, count=1).strip()
                body = re.sub(r"^(\*\*|\*)\s*\1\s*", "", body)  # "**💡** Vraag": the emphasis held only the emoji
                body = re.sub(r"^(\*\*|\*)\s+", r"\1", body)
                if re.fullmatch(rf"[{BULB}{LINK}{VS16}*_\s]*", body):
                    self.unsure.append((line, f"a {emoji} without text was left out"))
                else:
                    self.blocks.append(Block(kind, body, line))
                return
        quote = _quote(text)
        if quote:
            self.blocks.append(Block("quote", quote[0], line, extra=quote[1]))
        elif (question or self.section == "faq") and plain.endswith("?") and (question or text.startswith("**")):
            self.blocks.append(Block("faq_q", plain.strip(), line, level=3))
        elif self.w["example_re"].match(plain):
            self.blocks.append(Block("example", block_safe(text), line))
        else:
            self.blocks.append(Block("para", block_safe(text), line))


def _wrap(inner: str, mark: str) -> str:
    core = inner.strip()
    if not core or core == BREAK:
        return inner
    lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()):]
    return f"{lead}{mark}{core}{mark}{trail}"


def _tidy(text: str, brk: str = "  \n") -> str:
    text = re.sub(r"\s*" + BREAK + r"\s*", BREAK, re.sub(r"[ \t\n\r\f]+", " ", text)).strip().strip(BREAK).strip()
    return text.replace(BREAK, brk)


def parse_html(text: str, path: Path, language: str | None, fallback: str, whole_page: bool = True,
               remote: str | None = None):
    """HTML page text -> (title or None, language, blocks, unsure, dropped, local image paths).

    whole_page: a saved page, whose main text trafilatura picks; False for an article's own HTML (a WordPress
    export's post), which has no page furniture. remote: the address a fetched page came from."""
    tree = _Tree()
    tree.feed(text)
    tree.close()
    doc = tree.root
    meta = {(n.attrs.get("property") or n.attrs.get("name") or "").lower(): n.attrs.get("content", "")
            for n in doc.iter() if n.tag == "meta"}
    base = next((n.attrs.get("href", "") for n in doc.iter() if n.tag == "base"), "") or \
        next((n.attrs.get("href", "") for n in doc.iter() if n.tag == "link" and
              "canonical" in n.attrs.get("rel", "").lower()), "") or meta.get("og:url", "")
    base = urljoin(remote, base) if remote else base
    html_lang = next((n.attrs.get("lang", "") for n in doc.iter() if n.tag == "html"), "").split("-")[0].lower()
    candidates = [n for n in doc.iter() if n.tag == "article"]
    root = (max(candidates, key=lambda n: len(n.text())) if candidates else
            next((n for n in doc.iter() if n.tag == "main" or n.attrs.get("role") == "main"), None) or
            next((n for n in doc.iter() if n.tag == "body"), doc))
    unsure: list[tuple[int, str]] = []
    dropped: list[tuple[int, str]] = []
    in_article = root.tag == "article"
    title_node = next((n for n in root.iter() if n.tag == "h1" and (in_article or not _inside_junk(n, root))), None)
    title = _tidy(title_node.text(), " ") if title_node is not None else None
    if title_node is not None:
        _remove(title_node)
    stack = [root]
    while stack:
        node = stack.pop()
        for child in [c for c in node.children if isinstance(c, Node)]:
            why = _junk(child)
            if why is None:
                stack.append(child)
                continue
            _remove(child)
            if child.tag not in QUIET and child.text().strip():
                dropped.append((child.line, why))
    if not title:
        head_title = next((_tidy(n.text(), " ") for n in doc.iter() if n.tag == "title"), "")
        site = re.fullmatch(r"(.+?)\s+[|–—-]\s+[^|–—]+", head_title)  # "Title | Blog name"
        title = meta.get("og:title") or (site[1] if site else head_title) or None
    body_text = root.text()
    lang = language or detect_language(body_text)
    if lang is None:
        lang = html_lang if html_lang in LOCALES else fallback
        unsure.append((1, f"could not tell the language from the words; assumed {lang} (use --lang)"))
    levels = [int(n.tag[1]) for n in root.iter() if re.fullmatch(r"h[1-6]", n.tag)]
    images: list[Path] = []
    converter = _Converter(words_for(lang), base, path.parent, 2 - min(levels, default=2), unsure, dropped, images)
    converter.remote = remote is not None
    converter.walk(root)
    blocks = converter.blocks
    main = main_text(text) if whole_page else ""
    if main == "":
        pass
    elif main is None:
        unsure.append((root.line, "trafilatura found no main text; kept all of the article's element"))
    else:
        blocks = keep_main(blocks, main, dropped, unsure)
    return title, lang, blocks, unsure, sorted(dropped, key=lambda d: d[0]), images
