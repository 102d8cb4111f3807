"""Icon names in, small inline SVG elements (no emoji font needed) out."""
from __future__ import annotations

import xml.etree.ElementTree as etree

SVG_NS = "http://www.w3.org/2000/svg"

# (viewBox, [(tag, attributes), ...]) — drawn shapes only, no text.
_ICONS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "prompt": [  # a light bulb
        ("path", {"d": "M12 2.2a6.8 6.8 0 0 0-4 12.3c.7.6 1.1 1.3 1.1 2.1v.6h5.8v-.6c0-.8.4-1.5 1.1-2.1a6.8 6.8 0 0 0-4-12.3z",
                  "fill": "#f6c945", "stroke": "#7a5c12", "stroke-width": "1.3", "stroke-linejoin": "round"}),
        ("path", {"d": "M9.4 19.6h5.2M10.3 22h3.4", "fill": "none", "stroke": "#7a5c12",
                  "stroke-width": "1.5", "stroke-linecap": "round"}),
        ("path", {"d": "M10 12.5l2-2.2 2 2.2", "fill": "none", "stroke": "#7a5c12",
                  "stroke-width": "1.1", "stroke-linecap": "round", "stroke-linejoin": "round"}),
    ],
    "link": [  # two chain links
        ("path", {"d": "M10.2 13.8a4 4 0 0 0 5.6 0l3.2-3.2a4 4 0 0 0-5.6-5.6l-1.2 1.2",
                  "fill": "none", "stroke": "#2f5d62", "stroke-width": "2", "stroke-linecap": "round"}),
        ("path", {"d": "M13.8 10.2a4 4 0 0 0-5.6 0L5 13.4a4 4 0 0 0 5.6 5.6l1.2-1.2",
                  "fill": "none", "stroke": "#2f5d62", "stroke-width": "2", "stroke-linecap": "round"}),
    ],
}


def icon(name: str, label: str) -> etree.Element:
    """An inline <svg> with role=img and a <title>, so screen readers and PDF text get `label`."""
    svg = etree.Element("svg", {
        "xmlns": SVG_NS,
        "class": f"icon icon-{name}",
        "viewBox": "0 0 24 24",
        "width": "24",
        "height": "24",
        "role": "img",
        "aria-label": label,
    })
    title = etree.SubElement(svg, "title")
    title.text = label
    for tag, attributes in _ICONS[name]:
        etree.SubElement(svg, tag, attributes)
    return svg


def icon_markup(name: str, label: str) -> str:
    """The same icon as an XML string, for templates."""
    return etree.tostring(icon(name, label), encoding="unicode", short_empty_elements=True)
