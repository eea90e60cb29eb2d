"""The release's VoID at `/.well-known/void`, with
where this server serves it; the release's files at `/download/<name>`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, send_file

from cartkg.void import DATASET

from .formats import GRAPHS, TRIPLE_FORMATS
from .responses import HttpError, choose, rdf_response
from .servicedescription import void_term
from .state import AppState, state

bp = Blueprint("description", __name__)


@cache
def _void_triples(release_dir: Path) -> tuple[ox.Triple, ...]:
    path = release_dir / "void.ttl"
    return tuple(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


#: The release's files a client may download, by extension, with their media types.
_DOWNLOADS = {f".{fmt.extension}": fmt.media_type for fmt in GRAPHS} | {
    ".jsonld": "application/ld+json",
    ".json": "application/json",
}


@cache
def _artefacts(release_dir: Path) -> dict[str, str]:
    """The release's files (name -> SHA-256) that its manifest lists and that can be served."""
    try:
        listed = json.loads((release_dir / "manifest.json").read_text())["artefacts"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {
        name: digest
        for name, digest in sorted(listed.items())
        if Path(name).suffix in _DOWNLOADS and (release_dir / name).is_file()
    }


def _dumps(eng: AppState) -> list[ox.Triple]:
    """Where this server serves the dataset: its endpoint and the release's data files."""
    out = [ox.Triple(DATASET, void_term("sparqlEndpoint"), ox.NamedNode(eng.endpoint_url()))]
    for name in _artefacts(eng.config.release_dir):
        if name.startswith("cartkg."):  # the whole dataset, in each syntax
            url = ox.NamedNode(f"{eng.site_url()}download/{name}")
            out.append(ox.Triple(DATASET, void_term("dataDump"), url))
    return out


@bp.route("/.well-known/void")
@bp.route("/void")
@bp.route("/dataset")
def void() -> Response:
    """The VoID description the build wrote: sizes per named graph, class and property.

    `/dataset` is where the dataset's own IRI, https://w3id.org/cartkg/dataset, lands.
    """
    eng = state()
    if not (eng.config.release_dir / "void.ttl").is_file():
        raise HttpError(404, "this release has no VoID description")
    return rdf_response(
        [*_void_triples(eng.config.release_dir), *_dumps(eng)],
        eng.prefixes,
        choose(TRIPLE_FORMATS, html=True),
        "void",
        "Sizes of the dataset, its named graphs, classes and properties (VoID).",
    )


@bp.route("/download/<name>")
def download(name: str) -> Response:
    """A file of the release, by the name its manifest gives; its SHA-256 is the ETag."""
    eng = state()
    digest = _artefacts(eng.config.release_dir).get(name)
    if digest is None:
        raise HttpError(404, f"this release has no file {name!r} to download")
    return send_file(
        eng.config.release_dir / name,
        mimetype=_DOWNLOADS[Path(name).suffix],
        etag=digest,
        conditional=True,
        max_age=300,
    )
