"""Private files on disk: a 0700 directory, 0600 files, atomic replacement, a lock, permission checks."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
TEMP_SUFFIX = ".tmp"

ReplaceFn = Callable[[Path, Path], None]


def _os_replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and parents) if missing; a directory created here gets mode 0700."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=DIR_MODE)
    os.chmod(path, DIR_MODE)


def loose_permissions(path: Path) -> list[str]:
    """One warning per file or directory (`path` itself, files inside it) others can read or write."""
    found: list[str] = []
    if os.name != "posix":  # pragma: no cover - modes mean little elsewhere
        return found
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return found
    if path.is_dir():
        if mode & 0o077:
            found.append(f"{path} is accessible by other users (mode {mode:o}); run: chmod 700 {path}")
        children = sorted(p for p in path.iterdir() if p.is_file() and not p.name.endswith(TEMP_SUFFIX))
        for child in children:
            cmode = stat.S_IMODE(child.stat().st_mode)
            if cmode & 0o077:
                found.append(f"{child} is readable by other users (mode {cmode:o}); run: chmod 600 {child}")
    elif mode & 0o077:
        found.append(f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}")
    return found


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, replace: ReplaceFn = _os_replace) -> None:
    """Write `data` to `path` so a reader sees the old or the new file, never a mix: a 0600 temp file in
    the same directory, fsync, rename over `path`, fsync the directory. On error `path` is untouched."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def remove_stale_temp_files(directory: Path) -> None:
    """Delete temp files a crashed writer left behind (the real files are never touched)."""
    if not directory.is_dir():
        return
    for p in directory.iterdir():
        if p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                p.unlink()


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on `directory` (its `.lock` file) so two processes never interleave writes."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
