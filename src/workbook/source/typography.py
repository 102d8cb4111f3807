"""An HTML fragment and a language in, the same fragment with typographic refinements out:
apostrophes in elisions ('s avonds), no-break spaces that keep numbers with their units and
dashes with the word before them, the language's spaces before punctuation, and places to break
overlong words; and the same for a title written as plain text (front matter): smart quotes and dashes
first, then the rest."""
from __future__ import annotations

import re

from ..model.locales import base_language

NBSP = "\u00a0"
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_LITERAL_TAGS = ("code", "pre", "kbd", "samp")

# ‘s avonds, ‘t is, ‘n beetje, ‘90: smart quotes open these, but they are apostrophes.
_ELISION = re.compile(r"(?<![\w’])‘(?=(?:s|t|n|k|m|r|em|ns)\b|\d\d\b)")
_SPACED_DASH = re.compile(r" ([–—])(?= )")
_NUMBER_WORD = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?) (?=[%‰°€$£]|[^\W\d_]{1,12}\b)")
_CURRENCY = re.compile(r"([€$£]) (?=\d)")
_ABBREVIATION = re.compile(r"\b(p|pp|blz|nr|no|Nr|No|fig|hfst|ch|S|Kap)\. (?=\d)")
_FRENCH_PUNCTUATION = re.compile(r" (?=[;:!?»])")
# A "word" no language has: more than LONG_WORD characters without a space, hyphen, dash or slash
# (scripts written without spaces, such as Chinese or Thai, break between their letters anyway).
# It gets a zero-width space every WORD_CHUNK characters, so that it wraps within the page instead
# of running off it, and hyphenation (whose work grows much faster than the word) only sees short pieces.
LONG_WORD = 80
WORD_CHUNK = 40
ZWSP = "\u200b"
_SPACELESS = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7af"
              "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff")
LONG_RUN = re.compile(rf"[^\s\u200b/\-\u2010-\u2015{_SPACELESS}]{{{LONG_WORD + 1},}}")
_CHAR_OR_ENTITY = re.compile(r"&#?\w{1,32};|.", re.S)


def refine_text(text: str, language: str) -> str:
    """Apply the rules to plain text (no markup)."""
    text = _ELISION.sub("’", text)
    text = _SPACED_DASH.sub(NBSP + r"\1", text)
    text = _NUMBER_WORD.sub(r"\1" + NBSP, text)
    text = _CURRENCY.sub(r"\1" + NBSP, text)
    text = _ABBREVIATION.sub(r"\1." + NBSP, text)
    if base_language(language) == "fr":
        text = _FRENCH_PUNCTUATION.sub(NBSP, text).replace("« ", "«" + NBSP)
    return LONG_RUN.sub(_break_word, text)


_DOUBLE_OPEN = re.compile(r'(^|[\s(\[{\u00a0\u2014\u2013])"')
_SINGLE_OPEN = re.compile(r"(^|[\s(\[{\u00a0\u2014\u2013])'(?=\w)")
_ELISION_PLAIN = re.compile(r"(?<![\w’])'(?=(?:s|t|n|k|m|r|em|ns)\b|\d\d\b)")
WORD_JOINER = "\u2060"  # no break here (draws nothing; the glyph check ignores it)
_UNSPACED_DASH = re.compile(r"(?<=\w)([–—])(?=\w)")


def refine_title(text: str, language: str, quotes: tuple[str, ...] = ("“", "”", "‘", "’")) -> str:
    """A title in plain text (chapter titles, short titles, summaries: the contents and running heads show
    them) with the body text's typography: straight quotes as the language's marks, `--`/`---` as en and
    em dashes, `...` as an ellipsis, then `refine_text` (a spaced dash keeps to the word before it). An
    unspaced dash between words (`work—life`) gets a word joiner before it, so that no line starts
    with the dash."""
    marks = (tuple(quotes) + ("“", "”", "‘", "’")[len(quotes):])[:4]
    text = text.replace("---", "—").replace("--", "–").replace("...", "…")
    text = _ELISION_PLAIN.sub("’", text)
    text = _DOUBLE_OPEN.sub(lambda m: m[1] + marks[0], text).replace('"', marks[1])
    text = _SINGLE_OPEN.sub(lambda m: m[1] + marks[2], text).replace("'", marks[3])
    text = _UNSPACED_DASH.sub(WORD_JOINER + r"\1", text)
    return refine_text(text, language)


_LAST_WORDS = re.compile(r"(\S{1,20}) (\S{1,12}\s*)$")


def join_last_words(text: str) -> str:
    """`text` with its last two words joined by a no-break space (when both are short enough to share any
    line), so that a heading set from it never ends on a line of one word."""
    return _LAST_WORDS.sub("\\1" + NBSP + "\\2", text)


def _break_word(match: re.Match) -> str:
    """A long run of (HTML-escaped) text with a zero-width space every WORD_CHUNK characters."""
    pieces = _CHAR_OR_ENTITY.findall(match.group())
    return ZWSP.join("".join(pieces[at:at + WORD_CHUNK]) for at in range(0, len(pieces), WORD_CHUNK))


def refine_html(html: str, language: str) -> str:
    """Apply `refine_text` to the text between tags, leaving code, attributes and markup alone."""
    out: list[str] = []
    literal = 0
    for part in _TAG_OR_TEXT.split(html):
        if part.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name[1].lower() in _LITERAL_TAGS and not part.endswith("/>"):
                literal += -1 if part.startswith("</") else 1
                literal = max(literal, 0)
            out.append(part)
        elif part and not literal:
            out.append(refine_text(part, language))
        else:
            out.append(part)
    return "".join(out)
