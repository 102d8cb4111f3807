"""Rendered HTML in, the book laid out once (in parts, over processes, joined) and each PDF edition derived from
those pages out; the BuildSession that carries one build's state."""
