"""Image bytes in, their checked type and size out: Pillow reads the header first, so bombs,
unknown formats and damaged files are refused before WeasyPrint or an e-reader sees them."""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

from .svgcheck import MAX_SVG_BYTES, ImageProblem, check_svg

__all__ = ["MAX_IMAGE_BYTES", "MAX_PIXELS", "MAX_SVG_BYTES", "ImageInfo", "ImageProblem", "check_svg", "inspect_image",
           "looks_like_image"]

MAX_IMAGE_BYTES = 20_000_000
MAX_PIXELS = 40_000_000
# Pillow's own guard (a warning above, an error at twice this) also protects WeasyPrint's decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

MEDIA_TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "GIF": ("image/gif", "gif"),
               "WEBP": ("image/webp", "webp")}
_SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?<svg[\s>]", re.S | re.I)


@dataclass(frozen=True)
class ImageInfo:
    media_type: str
    extension: str
    width: int
    height: int


_TEXT_SUFFIXES = {".css", ".html", ".htm", ".xhtml", ".xml", ".txt", ".md", ".csv", ".json", ".yaml", ".yml"}


def looks_like_image(data: bytes, suffix: str = "") -> bool:
    """Whether a renderer would take these bytes for a picture whatever the file is called: Pillow
    recognises the header, or it is markup that WeasyPrint would try as SVG (not for text file types)."""
    if _SVG_START.match(data[:4096]):
        return True
    if data[:4].lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")[:1] == b"<" and suffix.lower() not in _TEXT_SUFFIXES:
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            Image.open(io.BytesIO(data)).close()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            return True
        except Exception:  # noqa: BLE001 - any failure means Pillow does not take it for a picture
            return False
    return True


def inspect_image(data: bytes, *, decode: bool = True) -> ImageInfo:
    """Check an image's bytes (size cap, format, pixel count, decodability); raise ImageProblem."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem(f"is {len(data) / 1_000_000:.0f} MB; the limit is {MAX_IMAGE_BYTES // 1_000_000} MB per image "
                           "— make it smaller")
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
            raise ImageProblem("has too many pixels (a decompression bomb?); "
                               f"the limit is {MAX_PIXELS // 1_000_000} megapixels") from None
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
