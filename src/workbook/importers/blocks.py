"""A language code in, the importers' shared pieces out: the Block they produce, the words that mark headings,
examples and sign-offs in each language, and inline Markdown escaping."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from ..model.locales import LOCALES, locale_for

BULB, LINK, VS16 = "\U0001F4A1", "\U0001F517", "\uFE0F"
ALERTS = ("tip", "note", "important", "warning", "caution")

# Words only the importer needs, one table per language; the build's own words stay in locales.py.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "nl": {
        "cross_reference": ("Lees meer in", "Lees ook", "Lees in", "Lees"),
        "further_reading": ("Ontdek meer", "Lees meer", "Meer lezen", "Gerelateerde artikelen", "Meer artikelen",
                            "Misschien ook interessant"),
        "faq": ("Veelgestelde vragen over", "Veelgestelde vragen", "Veel gestelde vragen", "FAQ"),
        "newsletter": ("nieuwsbrief", "afmelden", "uitschrijven", "inschrijven", "schrijf je in", "aanmelden"),
        "newsletter_hints": ("mailbox", "inbox", "e-mailadres", "elke week", "wekelijks"),
        "sign_off": ("met vriendelijke groet", "vriendelijke groet", "hartelijke groet", "warme groet", "lieve groet",
                     "groetjes", "groet", "liefs", "tot de volgende keer", "tot snel"),
    },
    "en": {
        "cross_reference": ("Read more in", "Read in", "Read also", "Read", "See also", "See"),
        "further_reading": ("Discover more", "Read more", "Further reading", "Related articles", "More reading",
                            "Keep reading", "You might also like", "You may also like"),
        "faq": ("Frequently asked questions about", "Frequently asked questions", "FAQ"),
        "newsletter": ("newsletter", "unsubscribe", "subscribe", "sign up"),
        "newsletter_hints": ("inbox", "mailbox", "email address", "every week", "weekly"),
        "sign_off": ("with love", "kind regards", "warm regards", "best wishes", "regards", "warmly", "cheers", "love",
                     "best", "until next time", "take care"),
    },
}


@dataclass
class Block:
    """One piece of the chapter: kind, Markdown inline text, source line, and kind-specific parts."""

    kind: str  # heading para prompt example crossref quote callout defs list further faq_q cta code table
    text: str = ""
    line: int = 0
    level: int = 2
    items: list = field(default_factory=list)
    extra: str = ""  # quote attribution, callout kind, "ol:START" for ordered lists


# ---- language words -------------------------------------------------------------------------------------------

@functools.cache
def _detector():  # built once: lingua's models for the book languages only (nl, en, de, fr)
    # deferred: lingua's models load only when an import detects a language, never for a build
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in sorted(LOCALES)]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect_language(text: str) -> str | None:
    """The language of an article (one of the book languages, LOCALES) by lingua's statistical models; None when
    the text is too short or no language is clearly ahead (lingua's confidence under 0.5 or under twice the
    next language's)."""
    words = re.findall(r"[^\W\d_]+", text)
    if len(words) < 5:
        return None
    values = _detector().compute_language_confidence_values(" ".join(words[:2000]))
    if not values or values[0].value < 0.5 or len(values) > 1 and values[0].value < 2 * values[1].value:
        return None
    return values[0].language.iso_code_639_1.name.lower()


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!x)x"


class Words(TypedDict):
    """One language's words for the importers: section titles, cue words, quote marks and ready regexes."""

    faq_build: tuple[str, ...]  # FAQ headings the build recognises
    faq_title: str
    further_build: tuple[str, ...]  # further-reading headings the build recognises
    further_title: str
    newsletter: tuple[str, ...]
    hints: tuple[str, ...]
    quotes: tuple[str, ...]  # opening, closing, inner opening, inner closing
    alerts: dict[str, str]  # the alert's word, lower case -> its kind ("tip", "note", ...)
    faq: tuple[str, ...]
    further: tuple[str, ...]
    example_re: re.Pattern[str]
    cross_re: re.Pattern[str]
    alert_re: re.Pattern[str]
    sign_off_re: re.Pattern[str]


def _strings(value: object, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A locale entry that lists words (a list or tuple of them) as a tuple of strings; anything else is the default."""
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else default


def words_for(language: str) -> Words:
    """The build's words (locales.py) and the importer's (KEYWORDS) for one language, with ready regexes."""
    loc, kw = locale_for(language), KEYWORDS.get(language, {})
    faq_build, further_build = _strings(loc.get("faq_words")), _strings(loc.get("further_reading_words"))
    alerts = {str(loc[k]).lower(): k for k in ALERTS if k in loc}
    return {
        "faq_build": faq_build, "faq_title": str(loc.get("faq", "FAQ")),
        "further_build": further_build,
        "further_title": str(loc.get("further_reading", "Further reading")),
        "newsletter": kw.get("newsletter", ()), "hints": kw.get("newsletter_hints", ()),
        "quotes": _strings(loc.get("quotes"), ("“", "”", "‘", "’")),
        "alerts": alerts,
        "faq": kw.get("faq", ()) + faq_build,
        "further": kw.get("further_reading", ()) + further_build,
        "example_re": re.compile(rf"({_alternatives(_strings(loc.get('example_words')))})\s*:\s*\S", re.I),
        "cross_re": re.compile(rf"({_alternatives(kw.get('cross_reference', ()))}):?\s+([\"“„«‘'])(.+?)"
                               rf"([\"”“»’'])(?=[\s.,;:!?]|$)\s*(.*)", re.I),
        "alert_re": re.compile(rf"({_alternatives(alerts)})\s*:\s+(\S.*)", re.I),
        "sign_off_re": re.compile(rf"({_alternatives(kw.get('sign_off', ()))})\s*[,!.]?(?:\s+(\S.{{0,40}}))?", re.I),
    }


def _starts(text: str, words: Iterable[str]) -> bool:
    low = text.lower()
    return any(low.startswith(w.lower()) and not low[len(w):len(w) + 1].isalpha() for w in words)


def section_heading(text: str, w: Words) -> tuple[str | None, str]:
    """A heading's section kind ('faq', 'further' or None) and the text the build recognises for it."""
    clean = text.rstrip(" .…:")
    if _starts(clean, w["faq"]):
        return "faq", clean if _starts(clean, w["faq_build"]) else w["faq_title"]
    if _starts(clean, w["further"]) and len(clean.split()) <= 6:
        return "further", clean if _starts(clean, w["further_build"]) else w["further_title"]
    return None, text


_ITEM_MARK = re.compile(r"^(?:[\u2192\u2794\u279C\u27A4\u25B6\u25B8\u25BA\u00BB\u203A"  # arrows, guillemet
                        r"\u2022\u00B7\u25AA\u25CF\u25E6*\u2013\u2014-]\uFE0F?\s+)+")  # bullets, dashes


def item_text(text: str) -> str:
    """A further-reading item without the article's own bullet (an arrow, a bullet, a dash before it): the
    book sets its own arrow before every item, so a kept one would show twice."""
    return _ITEM_MARK.sub("", text.strip())


# ---- inline Markdown ------------------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"“”]+[^\s<>\"“”.,;:!?)\]’']")


def escape(text: str) -> str:
    """Plain text -> Markdown inline text that renders as the same characters."""
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text).replace("<", "&lt;")
    return text.replace("{", "&#123;").replace("}", "&#125;")  # never read as {lines=N} or {: attributes}


def md_text(text: str) -> str:
    """Plain text -> Markdown inline: escaped, bare URLs made into links, block markers at the start neutralised."""
    parts, pos = [], 0
    for m in _URL.finditer(text):
        parts += [escape(text[pos:m.start()]), f"<{m[0]}>"]
        pos = m.end()
    out = block_safe("".join(parts) + escape(text[pos:]))
    return "" if re.fullmatch(f"[{BULB}{LINK}{VS16}\\s]*", out) else out  # a lone 💡 is no prompt


def block_safe(text: str) -> str:
    """Markdown inline text that cannot be read as a heading, quote or list when it opens a block."""
    if re.match(r"[#>+-]|\* ", text):
        text = "\\" + text
    elif text.startswith(":"):
        text = "&#58;" + text[1:]  # a leading colon would start a definition
    return re.sub(r"^(\d+)([.)])(\s)", r"\1\\\2\3", text)
