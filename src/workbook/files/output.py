"""Bytes in, files in the output folder out: written atomically with the user's umask."""
from __future__ import annotations

import ctypes
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import Diagnostic, OutputError, WorkbookError

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


def _link_fd(fd: int, path: Path) -> bool:
    """Give an O_TMPFILE file a name: linkat(AT_EMPTY_PATH), else via /proc/self/fd."""
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


INPUT_FOLDERS = ("chapters", "images", "layouts", "styles")


def check_out_dir(book_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder that is the book folder or one of its parents (cleaning it would hurt),
    or that lies inside one of the book's input folders (chapters/, images/, layouts/, styles/)."""
    book = book_dir.resolve()
    out = out_dir.resolve()
    if out == book or book.is_relative_to(out):
        raise WorkbookError([Diagnostic(str(out_dir), None, "output folder holds the book itself; "
                                                            "choose a separate folder such as dist/")])
    for name in INPUT_FOLDERS:
        if out.is_relative_to(book / name):
            raise WorkbookError([Diagnostic(str(out_dir), None, f"output folder is inside the book's {name}/ folder, "
                                                               "which the build reads; choose a separate folder such as dist/")])


def output_folder(book_dir: Path, out_dir: str | Path | None = None, *sub: str) -> Path:
    """The output folder a command writes into: `out_dir` if given, else `dist/` beside the book folder
    (then `sub`, e.g. dist/preview/); checked by check_out_dir."""
    out = Path(out_dir) if out_dir is not None else Path(book_dir).resolve().parent.joinpath("dist", *sub)
    check_out_dir(Path(book_dir), out)
    return out
