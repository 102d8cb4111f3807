"""What one article import found in, its one-paragraph report (counts, dropped and unsure lines) out."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

COUNT_KEYS = ("headings", "subheadings", "prompts", "examples", "quotes", "definitions", "faq",
              "further_reading", "calls_to_action", "labelled_items")


@dataclass
class ImportReport:
    """What one import found, where it went, and what it dropped or was unsure about (source line numbers)."""

    source: Path
    output: Path
    title: str
    slug: str
    counts: dict[str, int] = field(default_factory=dict)
    unsure: list[tuple[int, str]] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)
    language: str = "nl"
    links: list[tuple[int, str]] = field(default_factory=list)  # cross-links made, and titles left outside
    book_notes: list[str] = field(default_factory=list)  # what the import changed in the book (samples replaced)

    def summary(self) -> str:
        c = self.counts
        found = ", ".join(f"{c.get(k, 0)} {k.replace('_', ' ')}" for k in COUNT_KEYS)
        lines = [f"{self.source} -> {self.output} [{self.language}] “{self.title}”", f"  found: {found}"]
        lines += [f"  dropped {self.source.name}:{n}: {what}" for n, what in self.dropped]
        lines += [f"  unsure  {self.source.name}:{n}: {why}" for n, why in self.unsure]
        lines += [f"  link    {self.source.name}:{n}: {what}" for n, what in self.links]
        lines += [f"  book    {note}" for note in self.book_notes]
        return "\n".join(lines)
