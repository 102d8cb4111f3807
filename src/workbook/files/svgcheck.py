"""SVG bytes in, nothing out or a refusal (ImageProblem): the parsed document may draw, never run code,
load another file or declare entities (its styles, attributes, DOCTYPE and processing instructions are checked)."""
from __future__ import annotations

import lxml.etree
import tinycss2

MAX_SVG_BYTES = 2_000_000


class ImageProblem(ValueError):
    """An image that must not go into the book; the message says why and what to do."""


_BAD_TAGS = {"script", "foreignobject", "iframe", "object", "embed", "audio", "video", "handler", "listener",
             "link", "import"}
_LINK_ATTRIBUTES = {"href", "src", "base"}
_IMAGE_FUNCTIONS = {"image-set", "-webkit-image-set", "image", "cross-fade", "element"}  # they load strings too


def _parser() -> lxml.etree.XMLParser:
    # No DTD loading, no entity expansion, no network, no huge trees: the document is only read.
    return lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                huge_tree=False, remove_comments=False, remove_pis=False)


def _outside_url(tokens, strict: bool = True) -> str | None:
    """The first url(…) or @import in CSS tokens that does not point inside the document (#id), else None;
    `strict`: any syntax error counts too (in a <style>); in an attribute, whose text may be prose, only a
    broken url(…)."""
    for token in tokens:
        kind = getattr(token, "type", None)
        if kind == "url" and not token.value.strip().startswith("#"):
            return token.value
        if kind == "function":
            if token.lower_name in _IMAGE_FUNCTIONS:
                return f"{token.lower_name}(…)"
            if token.lower_name in ("url", "src"):
                strings = [t.value for t in token.arguments if t.type in ("string", "ident", "url")]
                target = strings[0] if strings else tinycss2.serialize(token.arguments)
                if not target.strip().startswith("#"):
                    return target
            found = _outside_url(token.arguments, strict)
            if found is not None:
                return found
        if kind in ("at-rule",):
            if token.lower_at_keyword == "import":
                return "@import " + tinycss2.serialize(token.prelude).strip()
            found = _outside_url(token.prelude, strict) or _outside_url(token.content or [], strict)
            if found is not None:
                return found
        if kind == "qualified-rule":
            found = _outside_url(token.prelude, strict) or _outside_url(token.content, strict)
            if found is not None:
                return found
        if kind in ("() block", "[] block", "{} block"):
            found = _outside_url(token.content, strict)
            if found is not None:
                return found
        if kind == "error" and (strict or token.kind == "bad-url"):
            return f"a CSS syntax error ({token.message})"
    return None


def _check_css(css: str, where: str, stylesheet: bool) -> None:
    tokens = (tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True) if stylesheet
              else tinycss2.parse_component_value_list(css, skip_comments=True))
    found = _outside_url(tokens, strict=stylesheet)
    if found is not None:
        raise ImageProblem(f"is an SVG whose {where} loads another file or is not plain CSS ({str(found)[:60]}); "
                           "remove url(…) and @import (only url(#id) of the SVG itself may stay)")


def check_svg(data: bytes) -> None:
    """An SVG may draw, not run or fetch: no scripts, handlers, entities, DOCTYPE, processing
    instructions or outside references (href, url(…), @import) anywhere in the parsed document."""
    if len(data) > MAX_SVG_BYTES:
        raise ImageProblem(f"is an SVG of {len(data) / 1_000_000:.1f} MB; the limit is {MAX_SVG_BYTES // 1_000_000} MB")
    try:
        root = lxml.etree.fromstring(data, _parser())
    except lxml.etree.XMLSyntaxError as exc:
        raise ImageProblem(f"is not a well-formed SVG file ({exc.msg})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype or docinfo.public_id or docinfo.system_url:
        raise ImageProblem("is an SVG with a <!DOCTYPE …> (it may declare entities or name an outside file, which "
                           "e-readers refuse); delete the <!DOCTYPE …> line — SVG needs none")
    if lxml.etree.QName(root).localname != "svg":
        raise ImageProblem(f"is XML but not an SVG (its root is <{lxml.etree.QName(root).localname}>)")
    nodes = [*root.itersiblings(preceding=True), *root.itersiblings(), *root.iter()]
    for node in nodes:
        if isinstance(node, lxml.etree._ProcessingInstruction):
            raise ImageProblem(f"is an SVG with a processing instruction <?{node.target} …?>; delete it "
                               "(xml-stylesheet would load another file)")
        if isinstance(node, lxml.etree._Entity):
            raise ImageProblem(f"is an SVG that uses the entity &{node.name};; write the text itself")
    for node in root.iter(lxml.etree.Element):
        tag = lxml.etree.QName(node).localname.lower()
        if tag in _BAD_TAGS:
            raise ImageProblem(f"is an SVG with a <{tag}> element; pictures may not run code or embed documents")
        if tag == "style":
            _check_css("".join(node.itertext()), "<style>", stylesheet=True)
        for name, value in node.attrib.items():
            local = lxml.etree.QName(name).localname.lower()
            if local.startswith("on"):
                raise ImageProblem(f"is an SVG with an event handler ({local}); remove it")
            if local in _LINK_ATTRIBUTES and not value.strip().startswith("#"):
                raise ImageProblem(f"is an SVG that refers to another file ({value[:60]}); embed only its own shapes")
            if "url" in value.lower() or "@" in value or "\\" in value:
                _check_css(value, f"{local}= attribute", stylesheet=False)
