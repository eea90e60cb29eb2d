"""The release's pyoxigraph store, opened read-only for queries."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from cartkg.errors import CartkgError


def store_path(release_dir: Path) -> Path:
    return release_dir / "store"


def open_store(release_dir: Path) -> ox.Store:
    """Open the built store read-only; several processes may do so at once."""
    path = store_path(release_dir)
    if not path.is_dir():
        raise CartkgError(
            f"no release at {release_dir} (no store/ in it): run `cartkg build` first"
        )
    try:
        return ox.Store.read_only(str(path))
    except OSError as err:
        raise CartkgError(f"cannot open the store at {path}: {err}") from None
