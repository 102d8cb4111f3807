"""Python-Markdown's footnotes extension with linear-time back-link ids (same output, same ids)."""
from __future__ import annotations

from markdown.extensions.footnotes import RE_REF_ID, FootnoteExtension


class Footnotes(FootnoteExtension):
    """`unique_ref` upstream counts up from `fnref:1` on every reference (quadratic: 10,000
    references to one footnote take over a minute); this one resumes from the last id it gave
    out for that footnote, which yields the same ids. `addFootnoteRef` keeps a set beside the list."""

    def reset(self) -> None:
        super().reset()
        self._last_ref: dict[str, str] = {}
        self._ordered: set[str] = set()

    def unique_ref(self, reference: str, found: bool = False) -> str:
        if not found:
            return reference
        original = reference
        reference = self._last_ref.get(original, reference)
        separator = self.get_separator()
        while reference in self.used_refs:
            ref, rest = reference.split(separator, 1)
            match = RE_REF_ID.match(ref)
            if match:
                reference = f"{match.group(1)}{int(match.group(2)) + 1}{separator}{rest}"
            else:
                reference = f"{ref}2{separator}{rest}"
        self._last_ref[original] = reference
        self.used_refs.add(reference)
        self.found_refs[original] = self.found_refs.get(original, 0) + 1
        return reference

    def addFootnoteRef(self, id: str) -> None:  # noqa: N802 (the upstream name)
        if id not in self._ordered:
            self._ordered.add(id)
            self.footnote_order.append(id)
