"""Image bytes in, their checked type and size out: Pillow reads the header first, so bombs,
unknown formats and damaged files are refused before WeasyPrint or an e-reader sees them."""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

MAX_IMAGE_BYTES = 20_000_000
MAX_PIXELS = 40_000_000
MAX_SVG_BYTES = 2_000_000
# Pillow's own guard (a warning above, an error at twice this) also protects WeasyPrint's decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

MEDIA_TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "GIF": ("image/gif", "gif"),
               "WEBP": ("image/webp", "webp")}
_SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]", re.S | re.I)


class ImageProblem(ValueError):
    """An image that must not go into the book; the message says why and what to do."""


@dataclass(frozen=True)
class ImageInfo:
    media_type: str
    extension: str
    width: int
    height: int


def inspect_image(data: bytes, *, decode: bool = True) -> ImageInfo:
    """Check an image's bytes (size cap, format, pixel count, decodability); raise ImageProblem."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem(f"is {len(data) / 1_000_000:.0f} MB; the limit is {MAX_IMAGE_BYTES // 1_000_000} MB per image — make it smaller")
    if not data:
        raise ImageProblem("is an empty file")
    if _SVG_START.match(data[:4096]):
        check_svg(data)
        return ImageInfo("image/svg+xml", "svg", 0, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise ImageProblem("is not a picture workbook can read; use PNG, JPEG, GIF, WebP or SVG") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageProblem(f"has too many pixels (a decompression bomb?); the limit is {MAX_PIXELS // 1_000_000} megapixels") from None
        except Exception as exc:  # Pillow raises many kinds for broken headers
            raise ImageProblem(f"cannot be read ({exc}); the file is damaged") from None
        if image.format not in MEDIA_TYPES:
            raise ImageProblem(f"is a {image.format} image; use PNG, JPEG, GIF, WebP or SVG")
        width, height = image.size
        if width * height > MAX_PIXELS or width <= 0 or height <= 0:
            raise ImageProblem(f"is {width}×{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels — scale it down")
        if decode:
            truncated_ok = ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint turns this on for the whole process
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                if image.format == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
            except Exception as exc:
                raise ImageProblem(f"is damaged or cut off and cannot be decoded ({exc})") from None
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok
    media_type, extension = MEDIA_TYPES[image.format]
    return ImageInfo(media_type, extension, width, height)


_SVG_BAD_TAGS = {"script", "foreignobject", "iframe", "object", "embed", "audio", "video", "handler", "listener"}


def check_svg(data: bytes) -> None:
    """An SVG may draw, not run or fetch: no scripts, event handlers, entities or outside references."""
    import lxml.etree

    if len(data) > MAX_SVG_BYTES:
        raise ImageProblem(f"is an SVG of {len(data) / 1_000_000:.1f} MB; the limit is {MAX_SVG_BYTES // 1_000_000} MB")
    if b"<!ENTITY" in data.upper():
        raise ImageProblem("is an SVG that declares entities; remove the <!DOCTYPE …> part")
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = lxml.etree.fromstring(data, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise ImageProblem(f"is not a well-formed SVG file ({exc.msg})") from None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = lxml.etree.QName(element).localname.lower()
        if tag in _SVG_BAD_TAGS:
            raise ImageProblem(f"is an SVG with a <{tag}> element; pictures may not run code or embed documents")
        if tag == "style" and re.search(r"url\s*\(|@import", element.text or "", re.I):
            raise ImageProblem("is an SVG whose style loads other files; remove url(…) and @import")
        for name, value in element.attrib.items():
            local = lxml.etree.QName(name).localname.lower()
            if local.startswith("on"):
                raise ImageProblem(f"is an SVG with an event handler ({local}); remove it")
            if local == "href" and not value.strip().startswith("#"):
                raise ImageProblem(f"is an SVG that refers to another file ({value[:60]}); embed only its own shapes")
            if local == "style" and re.search(r"url\s*\(\s*['\"]?(?!#)", value, re.I):
                raise ImageProblem("is an SVG whose style loads other files; remove url(…)")
