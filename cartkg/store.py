"""The release's pyoxigraph store, opened read-only for queries.

The store's default graph holds the union of the named graphs, each triple once. pyoxigraph's
own `use_default_graph_as_union` counts a triple once per graph it is in (oxigraph#1919), and
this graph states the same triple in several source graphs on purpose.
"""

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


#: Fills the default graph with the RDF merge of the named graphs.
UNION = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def has_stored_union(store: ox.Store) -> bool:
    """Whether the default graph is filled (a release built before 0.1 left it empty)."""
    return next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None


def union_flag(store: ox.Store) -> bool:
    """pyoxigraph's `use_default_graph_as_union` for a store: only when no union is stored."""
    return not has_stored_union(store)
