"""Bytes in, files in the output folder out: written atomically with the user's umask."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import Diagnostic, OutputError

TEMP_PREFIX = ".wb-tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it is renamed onto `target`, else removed."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError([Diagnostic(str(target.parent), None, f"cannot write here: {exc.strerror}")]) from None
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError([Diagnostic(str(target), None, f"cannot write: {exc.strerror or exc}")]) from None
    finally:
        if temp.exists():
            temp.unlink()


def write_bytes(target: Path, data: bytes) -> Path:
    """Write `data` to `target` atomically (temp file, fsync, rename)."""
    with atomic_path(target) as temp:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return target


def commit_temp(temp: Path, target: Path) -> Path:
    """Rename a finished temp file (written beside `target`) onto `target`, with the user's umask."""
    try:
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError([Diagnostic(str(target), None, f"cannot write: {exc.strerror or exc}")]) from None
    return target


def clean_stale_temps(folder: Path) -> None:
    """Remove temp files an interrupted earlier build left behind."""
    if folder.is_dir():
        for leftover in folder.glob(TEMP_PREFIX + "*"):
            try:
                leftover.unlink()
            except OSError:
                pass
