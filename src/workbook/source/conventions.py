"""Markdown source in, workbook structure out: a Python-Markdown extension for prompts,
examples, alerts, quotes, the FAQ, further reading and the call to action."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

from markdown import Extension, Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE

from ..errors import Report
from ..model.manuscript import PromptInfo
from .icons import icon

BULB = "\U0001F4A1"
LINK = "\U0001F517"
VS16 = "\uFE0F"
# A private-use marker carries a source line number from the raw text to the parsed block.
_MARK_RE = re.compile("\uE000(\\d+)\uE001")
_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_PROMPT_ATTRS = re.compile(r"\s*\{\s*((?:[a-z]+\s*=\s*[^\s{}]*\s*)+)\}\s*$")
_ATTR = re.compile(r"([a-z]+)\s*=\s*([^\s{}]*)")
MAX_PROMPT_LINES = 40
QUOTE_BREAK = "\uE002"
ALERTS = ("note", "tip", "important", "warning", "caution")


@dataclass
class ChapterState:
    """Per-chapter input (slug, defaults, words, the file for diagnostics) and output (prompts, problems)."""

    slug: str = "chapter"
    default_lines: int = 6
    words: dict = field(default_factory=dict)
    line_offset: int = 0
    file: str = "chapter"  # the chapter file relative to the book, as diagnostics name it
    prompts: list[PromptInfo] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    counts: dict = field(default_factory=dict)
    ids: set = field(default_factory=set)  # every id the Markdown gave an element (for raw HTML's ids)

    def count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def error(self, line: int | None, message: str) -> None:
        self.report.error(self.file, line, message)

    def warning(self, line: int | None, message: str) -> None:
        self.report.warning(self.file, line, message)


def _strip_marks(text: str) -> tuple[str, int | None]:
    match = _MARK_RE.search(text)
    line = int(match[1]) if match else None
    return _MARK_RE.sub("", text), line


_LINKED = re.compile(r"\]\s*[(\[]|<(?:https?://|mailto:)[^>]+>|\bhttps?://", re.I)  # a Markdown link or an address


def _starts_with_emoji(text: str, emoji: str) -> bool:
    return _MARK_RE.sub("", text).lstrip().startswith(emoji)


def _drop_emoji(text: str, emoji: str) -> str:
    text = text.lstrip()[len(emoji):]
    return text.removeprefix(VS16).lstrip()


class LineMarker(Preprocessor):
    """Tags each line that opens a prompt with its source line number."""

    def __init__(self, md: Markdown, state: ChapterState):
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        fence = None
        out: list[str] = []
        for index, line in enumerate(lines):
            if (fence is None and not line.strip() and out and out[-1].lstrip().startswith(">")
                    and index + 1 < len(lines) and lines[index + 1].lstrip().startswith(">")):
                # CommonMark: a blank line ends a block quote; Markdown.pl would merge the two.
                out.extend(["", QUOTE_BREAK, ""])
                continue
            match = _FENCE_RE.match(line)
            if match:
                if fence is None:
                    fence = match[1][0]
                elif match[1][0] == fence:
                    fence = None
            elif fence is None and line.lstrip().startswith((BULB, LINK)):
                number = index + 1 + self.state.line_offset
                stripped = line.lstrip()
                line = line[: len(line) - len(stripped)] + f"\uE000{number}\uE001" + stripped
            out.append(line)
        return out


class PromptProcessor(BlockProcessor):
    """`💡 Question? {lines=8}` -> div.prompt with the question and N writing lines."""

    def __init__(self, parser, state: ChapterState):
        super().__init__(parser)
        self.state = state

    def test(self, parent: etree.Element, block: str) -> bool:
        return _starts_with_emoji(block, BULB)

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        state = self.state
        text, line = _strip_marks(blocks.pop(0))
        text = _drop_emoji(text, BULB)
        lines, fill, own = state.default_lines, False, None
        attrs = _PROMPT_ATTRS.search(text)
        if attrs:
            text = text[: attrs.start()].rstrip()
            for key, value in _ATTR.findall(attrs[1]):
                if key == "lines":
                    if value.isdigit() and 1 <= int(value) <= MAX_PROMPT_LINES:
                        lines = own = int(value)
                    else:
                        state.error(line, f"{{lines={value}}}: the number of lines must be a whole number "
                                          f"from 1 to {MAX_PROMPT_LINES}")
                elif key == "fill" and value == "page":
                    fill = True
                else:
                    state.error(line, f"{{{key}={value}}}: unknown prompt option; use {{lines=N}} or {{fill=page}}")
        elif re.search(r"\{[^{}]*\}\s*$", text) and "lines" in text[text.rfind("{"):]:
            state.error(line, f"{text[text.rfind('{'):].strip()}: malformed prompt option; write {{lines=N}}")
        if not text.strip():
            state.error(line, "prompt has no question after the 💡")
        number = len(state.prompts) + 1
        prompt_id = f"{state.slug}-{number}"
        plain = re.sub(r"\s+", " ", text).strip()
        state.prompts.append(PromptInfo(prompt_id, number, plain, lines, fill, line, own))
        state.count("prompts")

        box = etree.SubElement(parent, "div", {"class": "prompt" + (" prompt-fill" if fill else ""),
                                               "id": prompt_id, "data-lines": str(lines)})
        question = etree.SubElement(box, "p", {"class": "prompt-question"})
        question.append(icon("prompt", str(state.words["prompt"])))
        question[-1].tail = " " + text.strip()
        rules = etree.SubElement(box, "div", {"class": "prompt-lines", "aria-hidden": "true"})
        for _ in range(lines):
            etree.SubElement(rules, "div", {"class": "line"})


class CallToActionProcessor(BlockProcessor):
    """`🔗 [Do this](https://…)` -> p.cta with a drawn link icon."""

    def __init__(self, parser, state: ChapterState):
        super().__init__(parser)
        self.state = state

    def test(self, parent: etree.Element, block: str) -> bool:
        return _starts_with_emoji(block, LINK)

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        text, line = _strip_marks(blocks.pop(0))
        text = _drop_emoji(text, LINK)
        if not _LINKED.search(text):  # a box that says "go there" but leads nowhere: no link icon, and a warning
            self.state.warning(line, "call to action without an address: it prints as a box with nowhere to go; "
                                     "write it as 🔗 [what to do](https://…)")
            etree.SubElement(parent, "p", {"class": "cta cta-unlinked"}).text = text
            self.state.count("calls_to_action")
            return
        paragraph = etree.SubElement(parent, "p", {"class": "cta"})
        paragraph.append(icon("link", str(self.state.words["call_to_action"])))
        paragraph[-1].tail = " " + text
        self.state.count("calls_to_action")


class ExampleProcessor(BlockProcessor):
    """`Voorbeeld: …` (the language's example words) -> div.example with its label."""

    def __init__(self, parser, state: ChapterState):
        super().__init__(parser)
        self.state = state
        words = sorted(state.words.get("example_words", []), key=len, reverse=True)
        labels = "|".join(map(re.escape, words))
        self.pattern = re.compile(rf"^\s*(?:\*\*|__)?({labels})(?:\*\*|__)?\s*:(?:\*\*|__)?\s+" if words else r"(?!x)x", re.I)

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(self.pattern.match(block))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        block = blocks.pop(0)
        match = self.pattern.match(block)
        if match is None:  # test() said yes to this block; should it not match now, let another processor have it
            blocks.insert(0, block)
            return False
        box = etree.SubElement(parent, "div", {"class": "example", "role": "note"})
        paragraph = etree.SubElement(box, "p")
        label = etree.SubElement(paragraph, "span", {"class": "example-label"})
        label.text = match[1][0].upper() + match[1][1:]
        label.tail = " " + block[match.end():]
        self.state.count("examples")
        return None


class StructureProcessor(Treeprocessor):
    """Alerts, quotes, the FAQ and further reading, found in the parsed tree."""

    def __init__(self, md: Markdown, state: ChapterState):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "p" and (child.text or "").strip() == QUOTE_BREAK and len(child) == 0:
                    parent.remove(child)
        self._blockquotes(root)
        self._sections(root)

    def _blockquotes(self, root: etree.Element) -> None:
        words = self.state.words
        for quote in list(root.iter("blockquote")):
            self._split_alerts(root, quote)
        for quote in list(root.iter("blockquote")):
            first = quote[0] if len(quote) else None
            match = re.match(r"\s*\[!(\w+)\]\s*", first.text or "") if first is not None and first.tag == "p" else None
            if first is not None and match and match[1].lower() in ALERTS:
                kind = match[1].lower()
                quote.tag = "div"
                quote.set("class", f"callout callout-{kind}")
                quote.set("role", "note")
                first.text = (first.text or "")[match.end():]
                title = etree.Element("p", {"class": "callout-title"})
                title.text = str(words.get(kind, kind.title()))
                quote.insert(0, title)
                if not (first.text or "").strip() and len(first) == 0:
                    quote.remove(first)
                self.state.count("callouts")
                continue
            text = "".join(quote.itertext()).strip()
            short = len(quote) == 1 and len(text) <= 160
            quote.set("class", (quote.get("class", "") + (" pull-quote" if short else " quote")).strip())
            self.state.count("quotes")

    @staticmethod
    def _split_alerts(root: etree.Element, quote: etree.Element) -> None:
        """Markdown joins `> a` and `> [!TIP] b` separated by a blank line; split them again."""
        parent = next((p for p in root.iter() if quote in list(p)), None)
        if parent is None:
            return
        for index in range(len(quote) - 1, 0, -1):
            child = quote[index]
            if child.tag == "p" and re.match(r"\s*\[!(\w+)\]", child.text or ""):
                rest = etree.Element("blockquote")
                for moved in list(quote)[index:]:
                    quote.remove(moved)
                    rest.append(moved)
                rest.tail = quote.tail
                quote.tail = "\n"
                parent.insert(list(parent).index(quote) + 1, rest)

    def _sections(self, root: etree.Element) -> None:
        words = self.state.words
        faq_words = [w.lower() for w in words.get("faq_words", [])]
        reading_words = [w.lower() for w in words.get("further_reading_words", [])]
        children = list(root)
        for index, element in enumerate(children):
            if element.tag not in ("h2", "h3"):
                continue
            classes = (element.get("class") or "").split()
            title = "".join(element.itertext()).strip().lower()
            if "faq" in classes or any(title.startswith(w) for w in faq_words):
                self._faq(root, element, children[index + 1:])
            elif "further-reading" in classes or any(title.startswith(w) for w in reading_words):
                for sibling in children[index + 1:]:
                    if sibling.tag in ("h1", "h2") or (sibling.tag == element.tag):
                        break
                    if sibling.tag in ("ul", "ol"):
                        sibling.set("class", (sibling.get("class", "") + " further-reading").strip())
                        self.state.count("further_reading")
                        break

    def _faq(self, root: etree.Element, heading: etree.Element, following: list[etree.Element]) -> None:
        level = int(heading.tag[1])
        section: list[etree.Element] = []
        for sibling in following:
            if sibling.tag in {f"h{n}" for n in range(1, level + 1)}:
                break
            section.append(sibling)
        question_tag = f"h{level + 1}"
        if not any(el.tag == question_tag for el in section):
            return
        heading.set("class", (heading.get("class", "") + " faq-title").strip())
        faq = etree.Element("dl", {"class": "faq"})
        answer = None
        position = list(root).index(section[0]) if section else None
        for el in section:
            root.remove(el)
            if el.tag == question_tag:
                term = etree.SubElement(faq, "dt")
                term.text, term.tail = el.text, None
                for child in el:
                    term.append(child)
                ident = el.get("id")
                if ident:
                    term.set("id", ident)
                answer = etree.SubElement(faq, "dd")
                self.state.count("faq")
            elif answer is not None:
                el.tail = None
                answer.append(el)
            else:
                faq.append(el)  # an intro paragraph before the first question
        if position is not None:
            root.insert(position, faq)
        # An intro paragraph inside a <dl> is not allowed: move it before the list.
        for el in [c for c in faq if c.tag not in ("dt", "dd")]:
            faq.remove(el)
            root.insert(list(root).index(faq), el)


_BLOCK_ITEMS = {"li", "dt", "dd"}


class BlockIds(Treeprocessor):
    """Gives every top-level block and list item an id (`slug.bN`), so a target can tell where each
    block lands (the EPUB's page list maps them to the PDF's pages). Ids the text has are kept."""

    def __init__(self, md, state: ChapterState):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        counter = 0
        self.state.ids.update(el.get("id") for el in root.iter() if el.get("id"))
        top = set(root)
        for element in root.iter():
            if element not in top and element.tag not in _BLOCK_ITEMS:
                continue
            if element.get("id") or not isinstance(element.tag, str):
                continue
            if element.tag == "p" and len(element) == 0 and HTML_PLACEHOLDER_RE.fullmatch((element.text or "").strip()):
                continue  # raw HTML goes here later; the stash needs a bare <p>
            counter += 1
            element.set("id", f"{self.state.slug}.b{counter}")
            self.state.ids.add(element.get("id"))


class MarkCleaner(Postprocessor):
    """Removes line markers that ended up in code or other literal text."""

    def run(self, text: str) -> str:
        return _MARK_RE.sub("", text)


class WorkbookExtension(Extension):
    """Registers the workbook conventions on a Markdown instance."""

    def __init__(self, state: ChapterState, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(LineMarker(md, self.state), "workbook-lines", 27)
        md.parser.blockprocessors.register(PromptProcessor(md.parser, self.state), "workbook-prompt", 27)
        md.parser.blockprocessors.register(CallToActionProcessor(md.parser, self.state), "workbook-cta", 27)
        md.parser.blockprocessors.register(ExampleProcessor(md.parser, self.state), "workbook-example", 26)
        md.treeprocessors.register(StructureProcessor(md, self.state), "workbook-structure", 7)
        md.postprocessors.register(MarkCleaner(md), "workbook-marks", 1)
