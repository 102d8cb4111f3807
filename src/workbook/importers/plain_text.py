"""Plain article text in, importer Blocks out (headings, prompts, examples, lists, quotes, further reading, sign-offs)."""
from __future__ import annotations

import re

from .blocks import _URL, BULB, LINK, VS16, Block, Words, escape, item_text, md_text, section_heading

# ---- plain text -----------------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u3000]+")
_LIST = re.compile(r"(?:([-•*–·▪●◦])|(\d{1,3})[.)])\s+(\S.*)")
_DEF = re.compile(r"([^:]{1,60}?)\s*:\s+(\S.*)")
_PAIRS = {'"': '"', "“": "”", "„": "”“", "«": "»", "‘": "’", "'": "'"}
_GLUE = re.compile(r"(?:(?<=[a-zà-öø-ÿ0-9][.!?…])|(?<=[.!?…][\"”’)])|(?<=[a-zà-öø-ÿ]))(?=[A-ZÀ-ÖØ-Þ])")


def _clean(line: str) -> str:
    return _WS.sub(" ", re.sub("[\u200b\u2060\ufeff\u00ad]", "", line)).strip()


def _title_case(text: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’-]*", text)[1:]
    return not words or sum(w[0].isupper() for w in words) >= 0.5 * len(words)


def is_name(text: str) -> bool:
    """'Gerrit' or 'Anna de Vries': a short line of capitalised words, as under a sign-off."""
    words = text.split()
    return 0 < len(words) <= 4 and words[0][0].isupper() and words[-1][0].isupper() and text[-1] not in ".?:!,;"


def sign_off(text: str, w: Words) -> re.Match[str] | None:
    """'Groet,' or 'Warme groet, Mara' (a sign-off, maybe with a name); None for anything else."""
    m = w["sign_off_re"].fullmatch(text)
    return m if m and (not m[2] or is_name(m[2])) else None


def _quote(text: str) -> tuple[str, str] | None:
    """'"A whole quoted line" — Who' -> (quote, attribution); None if the line is not wholly quoted."""
    closers = _PAIRS.get(text[:1])
    if not closers or len(text) < 4:
        return None
    end = max(text.rfind(c) for c in closers)
    body, after = text[1:end].strip(), text[end + 1:].strip()
    if end < 2 or any(c in body for c in closers + text[0]) or len(body.split()) < (3 if text[0] in "'‘" else 2):
        return None
    if after in ("", ".", "!", "?"):
        return body, ""
    m = re.fullmatch(r"[—–-]\s*(\S.{0,60})", after)
    return (body, m[1]) if m else None


def _heading_like(text: str) -> bool:
    if text.startswith((BULB, LINK)) or _LIST.fullmatch(text) or _quote(text):
        return False
    if text[-1] in ".,;:…" or len(text) > 110 or len(text.split()) > 14:
        return False
    return _title_case(text) and len(text.split()) > 1 if text[-1] in "?!" else True


def _title_like(text: str) -> bool:
    return text[-1] not in ".,;:!…" and len(text.split()) <= 16 and not text.startswith((BULB, LINK))


def _def_parts(text: str, w: Words) -> tuple[str, str] | None:
    m = _DEF.fullmatch(text)
    if not m or w["example_re"].match(text) or w["alert_re"].match(text) or w["cross_re"].match(text):
        return None
    term, rest = m[1].strip(), m[2]
    if len(term.split()) > 6 or re.search(r"[.!?;,\"“”„()]", term) or len(rest.split()) < 3:
        return None
    return (term, rest) if rest[-1] in ".!?…)" or len(rest.split()) >= 12 else None


def _split_glued(text: str) -> list[str]:
    """'…los te laten.Hypochondrie: Hoe je…' -> ['…los te laten.', 'Hypochondrie: Hoe je…']."""
    cuts = [m.start() for m in _GLUE.finditer(text)
            if not text[m.start() - 1].isalpha() or re.match(r"[^.!?:]{1,60}: \S", text[m.start():])]
    return [text[a:b].strip() for a, b in zip([0] + cuts, cuts + [len(text)], strict=True) if text[a:b].strip()]


def _after_emoji(text: str, emoji: str) -> str:
    return re.sub(f"^(?:{emoji}{VS16}?\\s*)+", "", text).strip()


def _cta(text: str) -> str:
    m = _URL.search(text)
    if not m:
        return md_text(text)
    label = (text[: m.start()] + text[m.end():]).strip(" :→-–—")
    return f"[{escape(label or m[0])}]({m[0]})"


def _find_dropped(rows: list[tuple[int, str]], w: Words, dropped: list) -> set[int]:
    """Indexes of the newsletter block and the sign-off (after the last prompt or call to action)."""
    skip: set[int] = set()
    last = max((i for i, (_, t) in enumerate(rows) if t.startswith((BULB, LINK))), default=-1)
    faq_at = next((i for i, (_, t) in enumerate(rows) if _heading_like(t) and section_heading(t, w)[0] == "faq"), None)
    for i, (n, t) in enumerate(rows):
        if i in skip or t.startswith((BULB, LINK)):
            continue
        sign = sign_off(t, w)
        if sign and i > last:
            skip.add(i)
            dropped.append((n, f"sign-off: {t}"))
            name = rows[i + 1][1] if i + 1 < len(rows) else ""
            if not sign[2] and name and is_name(name) and not section_heading(name, w)[0]:
                skip.add(i + 1)
                dropped.append((rows[i + 1][0], f"sign-off: {name}"))
            continue
        strong = sum(c in t.lower() for c in w["newsletter"])
        cues = strong + sum(c in t.lower() for c in w["hints"])
        if strong and cues >= 2 or strong and i > last and (faq_at is None or i < faq_at):
            skip.add(i)
            dropped.append((n, f"newsletter: {t[:60]}{'…' if len(t) > 60 else ''}"))
            before = rows[i - 1][1] if i else ""
            if i and i - 1 not in skip and _heading_like(before) and not section_heading(before, w)[0]:
                skip.add(i - 1)
                dropped.append((rows[i - 1][0], f"newsletter heading: {before}"))
    dropped.sort(key=lambda d: d[0])
    return skip


def parse_text(text: str, w: Words) -> tuple[str | None, list[Block], list, list]:
    """Plain article text -> (title or None, blocks, unsure, dropped)."""
    unsure: list[tuple[int, str]] = []
    rows: list[tuple[int, str]] = []
    last = 0  # the source line the last row ended on
    for n, raw in enumerate(text.split("\n"), 1):
        t, prev = _clean(raw), rows[-1][1] if rows and last == n - 1 else ""
        if not t or re.fullmatch(r"[-*_=~•·.\s]{3,}", t):
            continue  # blank line or a separator such as *** or ---
        last = n
        if len(prev) >= 50 and prev[-1] not in ".!?:;…\"”’)" and t[0].islower() and not _LIST.fullmatch(t):
            if not any("hard-wrapped" in why for _, why in unsure):
                unsure.append((n, "hard-wrapped lines joined into paragraphs (first here)"))
            rows[-1] = (rows[-1][0], f"{prev} {t}")  # a wrapped line continues the sentence above
        else:
            rows.append((n, t))
    dropped: list[tuple[int, str]] = []
    title = None
    if len(rows) >= 2 and rows[0][1].casefold() == rows[1][1].casefold():
        title, rows = rows[0][1], rows[2:]
    elif len(rows) >= 2 and _heading_like(rows[0][1]):
        title, rows = rows[0][1], rows[1:]
    elif rows:
        unsure.append((rows[0][0], "no title line (a short first line); the title comes from the file name"))
    skip = _find_dropped(rows, w, dropped)
    keep = [i for i in range(len(rows)) if i not in skip]
    blocks: list[Block] = []
    mode, pos, numbered = None, 0, None
    while pos < len(keep):
        n, t = rows[keep[pos]]
        after = rows[keep[pos + 1]][1] if pos + 1 < len(keep) else None
        kind = section_heading(t, w)[0] if _heading_like(t) or t.endswith(("...", "…", ":")) else None
        if kind == "faq" and after is not None and not after.endswith("?"):
            kind = None
        if t.startswith(BULB):
            question = md_text(_after_emoji(t, BULB))
            if not question and after is not None and after.endswith("?") and md_text(after):
                question, pos = md_text(after), pos + 1  # the 💡 stood alone on its line, the question on the next
            if question:
                blocks.append(Block("prompt", question, n))
            else:
                unsure.append((n, "a 💡 without a question was left out"))
        elif t.startswith(LINK):
            blocks.append(Block("cta", _cta(_after_emoji(t, LINK)), n))
        elif kind:
            blocks.append(Block("heading", md_text(section_heading(t, w)[1]), n))
            mode = kind
            if kind == "further":
                pos = _further(rows, keep, pos + 1, w, blocks, unsure)
                mode = None
                continue
        elif quote := _quote(t):
            blocks.append(Block("quote", md_text(quote[0]), n, extra=md_text(quote[1])))
        elif mode == "faq":
            asks = t.endswith("?") and len(t.split()) <= 30
            blocks.append(Block("faq_q" if asks else "para", md_text(t), n, level=3))
        elif w["example_re"].match(t):
            blocks.append(Block("example", md_text(t), n))
        elif m := w["cross_re"].fullmatch(t):
            o, c = w["quotes"][0], w["quotes"][1]
            rest = md_text(m[5]) if m[5] else ""
            sep = "" if not rest or rest[0] in ".,;:!?" else " "
            blocks.append(Block("crossref", f"{m[1]} *{o}{md_text(m[3])}{c}*{sep}{rest}", n))
        elif m := w["alert_re"].fullmatch(t):
            blocks.append(Block("callout", md_text(m[2]), n, extra=w["alerts"][m[1].lower()]))
        elif (m := _LIST.fullmatch(t)) and m[2] and after and not _LIST.fullmatch(after) and _heading_like(m[3]) \
                and not _heading_like(after):
            if numbered is None:  # "1. Begin Klein" followed by a paragraph: a numbered heading, not a list
                numbered = 3 if any(b.kind == "heading" for b in blocks) else 2
                unsure.append((n, f"numbered lines followed by a paragraph taken as {'#' * numbered} headings"))
            blocks.append(Block("heading", f"{m[2]}. {md_text(m[3])}", n, level=numbered))
        elif m := _LIST.fullmatch(t):
            items, ordered, first = [], bool(m[2]), m[2]
            while pos < len(keep) and (m := _LIST.fullmatch(rows[keep[pos]][1])) and bool(m[2]) == ordered:
                items += [md_text(m[3])] if md_text(m[3]) else []
                pos += 1
            if items:
                blocks.append(Block("list", "", n, items=items, extra=f"ol:{first}" if ordered else ""))
            continue
        elif _def_parts(t, w):
            terms: list[tuple[str, str]] = []
            while pos < len(keep) and (parts := _def_parts(rows[keep[pos]][1], w)):
                terms.append(parts)
                pos += 1
            if len(terms) > 1 or len(terms[0][0].split()) <= 3:
                blocks.append(Block("defs", "", n, items=[(md_text(a), md_text(b)) for a, b in terms], extra="runin"))
            else:
                blocks.append(Block("para", md_text(t), n))
                unsure.append((n, "'…: …' line kept as a paragraph; is it a term with its definition?"))
            continue
        elif _heading_like(t) and after is not None:
            run = [pos]
            while run[-1] + 2 < len(keep) and _heading_like(rows[keep[run[-1] + 1]][1]) \
                    and not section_heading(rows[keep[run[-1] + 1]][1], w)[0]:
                run.append(run[-1] + 1)
            for index, at in enumerate(run):
                line, heading = rows[keep[at]]
                blocks.append(Block("heading", md_text(heading), line, level=2 if index == 0 else 3))
                if not (_title_case(heading) or ":" in heading):
                    unsure.append((line, "short line without a full stop taken as a heading"))
            if len(run) > 1:
                unsure.append((rows[keep[run[1]]][0], f"{len(run)} headings in a row: the first is ## and the rest ###"))
            pos = run[-1] + 1
            continue
        else:
            if len(t.split()) <= 12 and t.endswith("?"):
                unsure.append((n, "short question kept as a paragraph (not a 💡 prompt, not a heading)"))
            blocks.append(Block("para", md_text(t), n))
        pos += 1
    return title, blocks, unsure, dropped


def _further(rows, keep, pos, w, blocks, unsure) -> int:
    """The related-reading block after its heading: intro paragraph(s), then glued 'title / description' items."""
    segments = []
    while pos < len(keep):
        n, t = rows[keep[pos]]
        if keep[pos] != keep[pos - 1] + 1 or t.startswith((BULB, LINK)) or _quote(t) or section_heading(t, w)[0]:
            break
        segments += [(n, s) for s in _split_glued(item_text(t))]
        pos += 1
    items: list[list] = []
    for n, s in segments:
        if _title_like(s):
            items.append([n, s, ""])
        elif not items:
            blocks.append(Block("para", md_text(s), n))
        elif not items[-1][2]:
            items[-1][2] = s
        else:
            items[-1][2] += " " + s
            unsure.append((n, "two descriptions for one related-reading item; joined them"))
    if items:
        blocks.append(Block("further", "", items[0][0], items=[(md_text(a), md_text(b)) for _, a, b in items]))
    return pos

