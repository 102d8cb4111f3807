"""A YAML mapping and its line map in, a validated pydantic model (or `file:line` problems) out; and the schema
of a chapter's front matter."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import Report
from ..files.yamlsource import line_for

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails  # pydantic's own core: the shape of one validation error

MAX_SLUG = 100  # "SLUG-cover-PROFILE.pdf" and the like must fit a 255-byte file name


class FrontMatter(BaseModel):
    """The schema of a chapter's front matter (the YAML between its --- lines). Unknown keys are
    warnings, not errors; an empty value means the key is not set."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    short_title: str | None = None  # the running head when the title is too long for one
    slug: str | None = None  # default: from the file name
    lines: int | None = None  # answer lines per prompt in this chapter (default: book.yaml's prompt_lines)
    summary: str | None = None
    language: Any = None  # written by `workbook import`, kept for the author
    source: Any = None
    author: Any = None

    @field_validator("title", "short_title", "slug", "summary", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError("must be text")
        return value

    @field_validator("lines", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError("must be a number")
        return value

    @field_validator("lines")
    @classmethod
    def _lines(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 40:
            raise ValueError("must be from 1 to 40")
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError(f"{value!r} may hold only a-z, 0-9 and -")
        if value and len(value) > MAX_SLUG:
            raise ValueError(f"is {len(value)} characters long; the limit is {MAX_SLUG}")
        return value


class PrintSettings(BaseModel):
    """book.yaml's `print:` block: the printer's files a build makes (model/printing.py has each printer's rules)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    profile: Literal["kdp", "ingramspark", "press"] | None = None  # what `-f print` makes without --print-profile
    paper: Literal["white", "cream"] = "white"  # the spine width follows it (KDP publishes each paper's thickness)
    # The spine width (inches) a printer that publishes no paper thickness states for this book (IngramSpark's
    # cover template, a press's quote): one number for every such profile, or one per profile.
    spine_in: float | dict[Literal["ingramspark", "press"], float] | None = None
    colour: Literal["gray", "cmyk"] | None = None  # interior inks; default gray (KDP, IngramSpark), cmyk (press)
    icc: str | None = None  # the printer's CMYK output profile (.icc in the book folder); default Ghostscript's

    @field_validator("spine_in")
    @classmethod
    def _spine(cls, value: float | dict | None) -> float | dict | None:
        for width in (value.values() if isinstance(value, dict) else [value] if value is not None else []):
            if not 0 < width <= 4:
                raise ValueError(f"{width:g} in is not a spine width; give the width in inches (0–4), "
                                 "as the printer's cover template states it")
        return value

    def spine_for(self, profile: str) -> float | None:
        """The spine width book.yaml gives for `profile`, if any."""
        if isinstance(self.spine_in, dict):
            return self.spine_in.get(profile)  # type: ignore[call-overload]
        return self.spine_in


M = TypeVar("M", bound=BaseModel)


def validate_yaml(model: type[M], data: dict[str, Any], lines: dict, file: str, report: Report, *,
                  line_offset: int = 0, unknown: str = "unknown key, ignored") -> M | None:
    """A YAML mapping (with its line map from yamlsource.load_with_lines) checked against a pydantic
    schema: unknown keys are warnings and left out, every other problem an error at `file:line`
    (`line_offset`: lines of the file before the YAML). The model, or None if there were errors."""
    known: dict[str, Any] = {}
    for key, value in data.items():
        if key in model.model_fields:
            known[key] = value
        else:
            report.warning(file, line_for(lines, (key,)) + line_offset, f"{key}: {unknown}")
    try:
        return model.model_validate(known)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            key = ".".join(str(p) for p in loc) or file
            report.error(file, line_for(lines, loc) + line_offset, f"{key}: {_message(error)}")
        return None


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = error["msg"]
    msg = msg.removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else msg
