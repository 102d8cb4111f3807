"""Paths and bytes in, checked files out: bounded reads, YAML with line numbers, pictures and SVG checked before
use, atomic writes, and the project's own assets (fonts, layouts/, styles/)."""
