"""Bytes in, files in the output folder out: written atomically with the user's umask."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import Diagnostic, OutputError

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
    """Write `data` to `target` atomically (temp file, fsync, rename onto the target).

    Where the file system allows it the temp file is unnamed (O_TMPFILE) until it is complete, so a
    build killed while writing leaves nothing behind; otherwise a `.wb-tmp-*` file is used, which
    the next build removes if a SIGKILL left it.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError([Diagnostic(str(target.parent), None, f"cannot write here: {exc.strerror}")]) from None
    if _write_unnamed(target, data):
        return target
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


def _link_fd(fd: int, path: Path) -> bool:
    """Give an O_TMPFILE file a name: linkat(AT_EMPTY_PATH), else via /proc/self/fd."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.linkat(fd, b"", -100, os.fsencode(path), 0x1000) == 0:  # AT_FDCWD, AT_EMPTY_PATH
            return True
    except (OSError, AttributeError):
        pass
    try:
        os.link(f"/proc/self/fd/{fd}", path, follow_symlinks=True)
        return True
    except OSError:
        return False


def _write_unnamed(target: Path, data: bytes) -> bool:
    """Linux: fill an O_TMPFILE, then link and rename it into place. False if the system can't."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not Path("/proc/self/fd").is_dir():
        return False
    try:
        fd = os.open(target.parent, flag | os.O_WRONLY, 0o666)  # the umask applies
    except OSError:
        return False
    temp = target.parent / f"{TEMP_PREFIX}{os.getpid()}-{target.name}"
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            if not _link_fd(handle.fileno(), temp):
                return False
        os.replace(temp, target)
        return True
    except OSError as exc:
        raise OutputError([Diagnostic(str(target), None, f"cannot write: {exc.strerror or exc}")]) from None
    finally:
        if temp.exists():
            temp.unlink()


def clean_stale_temps(folder: Path) -> None:
    """Remove temp files an interrupted earlier build left behind."""
    if folder.is_dir():
        for leftover in folder.glob(TEMP_PREFIX + "*"):
            try:
                leftover.unlink()
            except OSError:
                pass
