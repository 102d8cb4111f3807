"""Blog articles in (plain text, saved HTML pages), chapter files in the book's conventions out."""
