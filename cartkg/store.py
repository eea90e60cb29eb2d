"""The release's pyoxigraph store, opened read-only for queries.

The store's default graph holds the union of the named graphs, each triple once. pyoxigraph's
own `use_default_graph_as_union` counts a triple once per graph it is in (oxigraph#1919), and
this graph states the same triple in several source graphs on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from cartkg.errors import CartkgError


def store_path(release_dir: Path) -> Path:
    return release_dir / "store"


def release_problem(release_dir: Path) -> str | None:
    """Why `release_dir` is not a release, or None if it looks like one."""
    if not os.path.lexists(release_dir):
        return "nothing is there"
    if not release_dir.exists():
        return f"it is a symlink to {os.readlink(release_dir)}, which does not exist"
    if not release_dir.is_dir():
        return "it is a file, not a folder"
    store = store_path(release_dir)
    if not store.exists():
        return "no store/ in it"
    if not store.is_dir():
        return "its store is not a folder"
    return None


def open_store(release_dir: Path) -> ox.Store:
    """Open the built store read-only; several processes may do so at once.

    The store is opened where the release's symlink points (cartkg/versions.py) at that moment,
    so that all its files come from one version even if a build swaps in another meanwhile.
    """
    problem = release_problem(release_dir)
    if problem is not None:
        raise CartkgError(f"no release at {release_dir} ({problem}): run `cartkg build` first")
    version = release_dir.resolve()
    try:
        return ox.Store.read_only(str(store_path(version)))
    except OSError as err:
        if release_dir.resolve() != version:  # swapped, and the old one removed, meanwhile
            return open_store(release_dir)
        raise CartkgError(f"cannot open the store at {store_path(release_dir)}: {err}") from None


#: Fills the default graph with the RDF merge of the named graphs.
UNION = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def has_stored_union(store: ox.Store) -> bool:
    """Whether the default graph is filled (a release built before 0.1 left it empty)."""
    return next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None


def union_flag(store: ox.Store) -> bool:
    """pyoxigraph's `use_default_graph_as_union` for a store: only when no union is stored."""
    return not has_stored_union(store)
