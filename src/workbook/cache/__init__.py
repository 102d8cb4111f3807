"""Keys and bytes in, the content-keyed build cache under .workbook-cache/ out: converted chapters, laid-out parts,
font files (never code; every entry checked by its SHA-256)."""
