"""A book's settings in, the placeholder values `workbook new` wrote that are still in them out."""
from __future__ import annotations

# The values the sample books (author/scaffold/*/book.yaml) hold until the author writes their own;
# tests/test_import.py checks that every scaffold's values are listed here.
TITLES = frozenset({"Mijn werkboek", "My Workbook"})
AUTHORS = frozenset({"Jouw Naam", "Your Name"})
DESCRIPTIONS = frozenset({
    "Een kort werkboek dat laat zien wat workbook kan: twee hoofdstukken met reflectievragen, voorbeelden, "
    "een citaat en een afbeelding.",
    "A short workbook that shows what workbook can do: two chapters with reflection questions, examples, "
    "a quote and a picture.",
})


def _same(value: str, known: frozenset[str]) -> bool:
    return " ".join(value.split()).casefold() in {k.casefold() for k in known}


def placeholders(title: str, author: str | list[str], description: str | None) -> list[tuple[str, str]]:
    """(book.yaml key, message) for each sample value still in place: title, author, description."""
    found: list[tuple[str, str]] = []
    if _same(title, TITLES):
        found.append(("title", f"title {title!r} is the sample book's placeholder; give the book its own title"))
    authors = [author] if isinstance(author, str) else list(author)
    for name in authors:
        if _same(str(name), AUTHORS):
            found.append(("author", f"author {name!r} is the sample book's placeholder; write the author's name"))
    if description and _same(description, DESCRIPTIONS):
        found.append(("description", "description is still the sample book's text; describe this book "
                                     "(the EPUB and the site show it)"))
    return found
