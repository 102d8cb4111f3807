"""An article's Blocks and language in, the same Blocks tidied by the reported clean-up rules out: sentence-case
headings (nl, fr, de), run-in "Label: text" lists, calls to action without an address, prompts without "?"."""
from __future__ import annotations

import re

from .blocks import Block

SENTENCE_CASE = ("nl", "fr", "de")
# German capitalises its nouns, so a German heading is only touched when its small words are capitalised too
# (English-style Title Case), and then only those small words are set in lower case.
GERMAN_SMALL = frozenset(
    "der die das den dem des ein eine einer einem einen eines und oder aber doch denn als wie wenn dass ob zu zum "
    "zur im in am an auf aus bei mit nach von vom vor für über unter um durch gegen ohne bis ist sind war waren "
    "wird werden hat haben kann können muss müssen soll sollen nicht noch schon auch nur so sehr mehr ganz "
    "sich mich dich uns euch es er sie wir ihr du ich man mein dein sein unser euer".split())
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_TITLE_RUN = re.compile(r"\*\*[^*]+\*\*|\*[^*]+\*|(?<!\w)_[^_]+_(?!\w)|“[^”]*”|„[^”“]*[”“]|\"[^\"]*\"|‘[^’]*’")
_LINK = re.compile(r"\]\((?:https?://|mailto:)|<https?://")


def _title_cased(word: str) -> bool:
    """'Veranderen', 'Zó': a capital, then lower case only (no acronym, no 'iPhone' or 'McKinsey')."""
    return word[:1].isupper() and (len(word) == 1 or word[1:].replace("'", "").replace("’", "").replace("-", "")
                                   .islower())


def proper_nouns(blocks: list[Block]) -> set[str]:
    """Capitalised words the article's own sentences use mid-sentence: names, kept capitalised in headings.

    Titles of other articles are not sentences: further-reading items, and emphasised, bold or quoted runs
    ("Lees in *Rust Nemen Zonder Schuldgevoel*") are left out, or their Title Case would pass for names."""
    upper: dict[str, int] = {}
    lower: dict[str, int] = {}
    for b in blocks:
        if b.kind not in ("para", "example", "quote", "list", "prompt"):
            continue
        texts = [b.text] + [x for item in b.items for x in (item if isinstance(item, tuple) else (item,))]
        for text in texts:
            plain = _TITLE_RUN.sub(" ", text)
            plain = re.sub(r"\]\([^)]*\)|[*_\[\]`]", " ", plain)
            for m in re.finditer(r"(?<=[\w,;’'”)] )([^\W\d_][\w'’-]*)", plain):
                tally = upper if m[1][0].isupper() else lower
                tally[m[1].casefold()] = tally.get(m[1].casefold(), 0) + 1
    return {w for w, n in upper.items() if n > lower.get(w, 0)}


def sentence_case(text: str, language: str, names: set[str]) -> str:
    """A Title-Cased heading ("Waarom Veranderen Soms Zó Moeilijk Is") in sentence case; else unchanged.

    Only when most words after the first (both, when there are two) are capitalised; all-caps words, words with
    inner capitals, words the article capitalises mid-sentence and the first word after a colon keep their capital."""
    if language not in SENTENCE_CASE or "](" in text:
        return text
    words = list(_WORD.finditer(text))[1:]
    capital = [m for m in words if m[0][:1].isupper()]
    if len(words) < 2 or len(capital) < (len(words) if len(words) == 2 else 0.75 * len(words)):
        return text
    if language == "de" and not any(m[0].lower() in GERMAN_SMALL for m in capital):
        return text

    def keep(m: re.Match[str]) -> bool:
        before = text[:m.start()].rstrip(" *_“\"'„«")
        return (not _title_cased(m[0]) or m[0].casefold() in names or before.endswith((":", "!", "?", ".", "—", "–"))
                or (language == "de" and m[0].lower() not in GERMAN_SMALL))

    out, pos = [], 0
    for m in capital:
        if not keep(m):
            out += [text[pos:m.start()], m[0][0].lower() + m[0][1:]]
            pos = m.end()
    return "".join(out) + text[pos:]


def _runin(term: str, text: str) -> str:
    label = term.rstrip(":").strip()
    return f"**{label}:** {text}" if not label.startswith("**") else f"{label}: {text}"


def tidy(blocks: list[Block], language: str, unsure: list[tuple[int, str]]) -> list[Block]:
    """The blocks with the clean-up rules applied; every change or doubt is added to `unsure` (line, message)."""
    names = proper_nouns(blocks)
    out: list[Block] = []
    for b in blocks:
        if b.kind in ("heading", "faq_q") and (new := sentence_case(b.text, language, names)) != b.text:
            unsure.append((b.line, f"Title Case heading set in sentence case: “{new}”"))
            b.text = new
        elif b.kind == "defs" and b.extra == "runin":
            b = Block("list", "", b.line, items=[_runin(t, d) for t, d in b.items], extra="runin")
            unsure.append((b.line, f"{len(b.items)} 'Label: text' line{'s' if len(b.items) > 1 else ''} kept as "
                                   "a bulleted list with a bold label"))
        elif b.kind == "cta" and not _LINK.search(b.text):
            unsure.append((b.line, "🔗 call to action without an address: kept as plain text, not a box; "
                                   "add the address to make it a call to action"))
            b = Block("para", b.text, b.line)
        elif b.kind == "prompt" and not re.sub(r"[*_)\s”’\"']+$", "", b.text).endswith("?"):
            unsure.append((b.line, "💡 prompt without a question mark; is it a question for the reader?"))
        out.append(b)
    return out
