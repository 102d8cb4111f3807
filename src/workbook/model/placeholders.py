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


# The sample chapters and picture as `workbook new` writes them (path in the book, SHA-256): an import into a fresh
# sample book replaces those still unchanged.
SAMPLE_FILES = {
    "chapters/01-getting-started.md": "c9d28856354007541e935409a4341a93585b04893e89e99209c604ba7d9302b2",
    "chapters/02-keeping-going.md": "e1658df3fe13a1ec138bd15c4a12dc702fe90accf3a58d88306e1ce93ad698ab",
    "chapters/01-beginnen.md": "730a2d7ed32fc2c12171e7f40600ce0447d7f3957cce9523cd915bfe4369915b",
    "chapters/02-volhouden.md": "87b93b22fab9a3a0e816c0890b0d8080667215ad45ee22153bd22d833e2752bf",
    "images/steps.svg": "5c8efc1918179e7c5c204658dc2c55fa8b67227511e4c061c6d680a68449c775",
}


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
