"""A chapter's final HTML tree in, each prompt's question HTML and the example before it out
(for worksheets: targets must not parse Markdown, so the manuscript hands them this)."""
from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as etree
from xml.sax.saxutils import escape as escape_text

from ..model.manuscript import PromptInfo


def attach_prompt_context(fragment: etree.Element, prompts: list[PromptInfo]) -> None:
    """Fill each prompt's `question_html` and preceding example from the chapter's final HTML tree.

    Walks the fragment in document order; the example of a prompt is the last example callout
    after the previous prompt (so an example is never reused for two prompts).
    """
    by_id = {p.id: p for p in prompts}
    example: etree.Element | None = None
    for element in fragment.iter():
        classes = (element.get("class") or "").split()
        prompt = by_id.get(element.get("id") or "")
        if element.tag == "div" and "example" in classes:
            example = element
        elif element.tag == "div" and "prompt" in classes and prompt is not None:
            question = element.find("p[@class='prompt-question']")
            if question is not None:
                prompt.question_html = _inline_html(question, skip_first_icon=True)
            if example is not None:
                paragraph = example.find("p")
                if paragraph is not None:
                    prompt.example_html = _inline_html(paragraph, skip_label=True)
                    label = paragraph.find("span[@class='example-label']")
                    text = "".join(paragraph.itertext())
                    if label is not None and label.text and text.startswith(label.text):
                        text = text[len(label.text):]
                    prompt.example_text = re.sub(r"\s+", " ", text).strip()
            example = None


def _inline_html(paragraph: etree.Element, *, skip_first_icon: bool = False, skip_label: bool = False) -> str:
    """The inner HTML of a paragraph, fit to be copied elsewhere: no ids, no footnote references."""
    element = copy.deepcopy(paragraph)
    first = element[0] if len(element) else None
    if first is not None and ((skip_first_icon and "icon" in (first.get("class") or "").split())
                              or (skip_label and first.get("class") == "example-label")):
        element.text = (element.text or "") + (first.tail or "")
        element.remove(first)
    for parent in list(element.iter()):
        for child in list(parent):
            if child.tag == "sup" and (child.get("id") or "").find("fnref") >= 0:
                _remove_keep_tail(parent, child)
    for node in element.iter():
        node.attrib.pop("id", None)
    text = escape_text(element.text or "").lstrip()
    inner = "".join(etree.tostring(child, encoding="unicode", method="xml") for child in element)
    return (text + inner).strip()


def _remove_keep_tail(parent: etree.Element, child: etree.Element) -> None:
    index = list(parent).index(child)
    if child.tail:
        if index:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)

