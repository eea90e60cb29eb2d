"""The release on disk: `release` is a symlink to one version folder in `release.d/` beside it.

A new version becomes the release by one rename of a new symlink over the old one, so a reader
(a query worker restarting, `cartkg query`) always finds a whole release, the old or the new,
even after a crash at any point of the swap. A build writes its version in `release.d/` from
the start (with the reasoner's scratch files) and holds an flock on that folder while it runs:
anything in `release.d/` that is not the current version and is not locked was left by a build
that died, and the next build removes it. Every change to `release.d/` is made under a short
exclusive lock on `release.d/.lock`, so that one build never removes another's version between
its creation and its lock.

A plain `release/` folder, as earlier cartkg builds wrote, is swapped for the symlink in one
step with renameat2(RENAME_EXCHANGE) (Linux); where the file system lacks it, by two renames,
between which there is no release. The folders those builds left when killed
(`release.tmp-<pid>`, `release.old-<pid>`) are removed once a new release is in place.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import glob
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from cartkg.errors import CartkgError

LOCK = ".lock"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def versions_dir(release: Path) -> Path:
    return release.with_name(release.name + ".d")


@contextmanager
def _guard(folder: Path) -> Iterator[None]:
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def _locked(folder: Path) -> bool:
    """Whether a live build holds `folder`'s lock (the kernel drops it when a build dies)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _collect(release: Path) -> None:
    """Remove what dead builds left in the versions folder; call under its guard."""
    try:
        now = os.stat(release)
        current = (now.st_dev, now.st_ino)
    except OSError:
        current = None
    with os.scandir(versions_dir(release)) as entries:
        for entry in entries:
            stat = entry.stat(follow_symlinks=False)
            if entry.name == LOCK or (stat.st_dev, stat.st_ino) == current:
                continue
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)  # a new link that was never put in place
            elif not _locked(Path(entry.path)):
                shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's
    return True


def _collect_legacy(release: Path) -> None:
    """Remove what earlier builds left when killed, if their process is gone."""
    for path in release.parent.glob(f"{glob.escape(release.name)}.*-*"):
        kind, _, pid = path.name[len(release.name) + 1 :].partition("-")
        ours = kind in ("tmp", "old") and pid.isdigit()
        if ours and path.is_dir() and not path.is_symlink() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _check_replaceable(release: Path) -> None:
    """Refuse to replace what is not a release: `cartkg build` would delete it."""
    if release.is_symlink() or not os.path.lexists(release):
        return  # a link is replaced, its target (if not one of our versions) left alone
    if not release.is_dir():
        raise CartkgError(f"{release} is a file, not a release folder: remove it or choose another")
    names = {entry.name for entry in release.iterdir()}
    if not names or names & {"manifest.json", "store"}:
        return
    raise CartkgError(
        f"{release} is a folder but not a release (no manifest.json or store/ in it), and a "
        "build would replace it: remove it or choose another"
    )


class Draft:
    """A version being built: its folder, locked by this process until published or dropped."""

    def __init__(self, release: Path) -> None:
        self.release = release.absolute()
        _check_replaceable(self.release)
        folder = versions_dir(self.release)
        folder.mkdir(parents=True, exist_ok=True)
        with _guard(folder):
            _collect(self.release)
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            self.path = folder / f"{stamp}-{os.getpid()}-{secrets.token_hex(4)}"
            self.path.mkdir()
            self._fd: int | None = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.published = False

    def _unlock(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def drop(self) -> None:
        """Remove the draft (a failed build), unless it is the release already."""
        if not self.published:
            shutil.rmtree(self.path, ignore_errors=True)
        self._unlock()

    def publish(self) -> None:
        """Make the draft the release, and remove the previous version."""
        _sync(self.path)
        folder = self.path.parent
        with _guard(folder):
            link = folder / f".link-{os.getpid()}-{secrets.token_hex(4)}"
            # relative, so that the release and its versions can be moved or copied together
            os.symlink(Path(folder.name) / self.path.name, link)
            try:
                if self.release.is_dir() and not self.release.is_symlink():
                    _replace_folder(link, self.release)
                else:
                    os.replace(link, self.release)
            finally:
                if link.is_symlink():
                    link.unlink()
            self.published = True
            self._unlock()
            # Housekeeping: the release is in place, and the next build retries what fails here.
            with suppress(OSError):
                _fsync(self.release.parent)
                _collect(self.release)  # the previous version; open files stay readable
                _collect_legacy(self.release)


def _replace_folder(link: Path, release: Path) -> None:
    """Put `link` where the folder `release` is; the folder goes to `link`'s name (collected
    with the litter)."""
    try:
        exchange(link, release)
    except OSError as err:
        if err.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise
        aside = link.with_name(link.name + ".old")
        os.rename(release, aside)
        try:
            os.replace(link, release)
        except OSError:
            os.rename(aside, release)
            raise


def exchange(first: Path, second: Path) -> None:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except AttributeError:
        raise OSError(errno.ENOSYS, "renameat2 is not available") from None
    paths = (os.fsencode(first), os.fsencode(second))
    if renameat2(_AT_FDCWD, paths[0], _AT_FDCWD, paths[1], _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first), None, str(second))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync(folder: Path) -> None:
    """Have the version on disk before it becomes the release (a power cut then finds it
    whole)."""
    for parent, _, files in os.walk(folder):
        for name in files:
            _fsync(Path(parent) / name)
        _fsync(Path(parent))
