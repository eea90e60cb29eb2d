"""Opening RDF files that may come from anyone, for any parser, and reading one into rdflib.

Only regular files are read: a FIFO or a terminal would be waited on forever, a device can be
endless. RDF/XML is read once for entity declarations that could blow up (`xmlentities`)
before a parser sees it. A `.gz` file is read decompressed, and a leading UTF-8 byte order
mark is skipped (some parsers refuse it).
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import Graph

from cartkg.fastshacl import xmlentities
from cartkg.fastshacl.syntax import is_gzipped, syntax_of


class Unreadable(ValueError):
    """A file that is not read: its `message`, and the `line` where that is known."""

    def __init__(self, message: str, file: Path, line: int | None = None) -> None:
        self.message, self.file, self.line = message, file, line
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def regular(path: Path, fd: int | None = None) -> None:
    """Raise `Unreadable` unless `path` (or the open `fd`) is a regular file."""
    try:
        mode = os.stat(path if fd is None else fd).st_mode
    except OSError as err:
        raise Unreadable(f"cannot read: {err.strerror}", path) from None
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a file")
        raise Unreadable(f"not a regular file ({kind}); only regular files are read", path)


_BOM = b"\xef\xbb\xbf"


class _Gunzipped(io.RawIOBase):
    """A `.gz` file's content. A damaged or truncated file is `Unreadable`, naming the file,
    wherever the reading stops: gzip's own errors name neither file nor place."""

    def __init__(self, raw: io.FileIO, path: Path) -> None:
        self._raw, self._path = raw, path
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._gzip.readinto(buffer)
        except (OSError, EOFError, zlib.error) as err:
            raise Unreadable(f"not a readable gzip file ({err})", self._path) from None

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()
        super().close()


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes (decompressed if `.gz`), a leading UTF-8 byte order mark skipped.

    Opened without blocking and checked once open, so that a FIFO put in a regular file's
    place is found, not waited for.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise Unreadable(f"cannot read: {err.strerror}", path) from None
    try:
        regular(path, fd)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    raw = io.FileIO(fd, "rb")
    stream = io.BufferedReader(_Gunzipped(raw, path) if is_gzipped(path) else raw)
    if stream.peek(len(_BOM))[: len(_BOM)] == _BOM:
        stream.read(len(_BOM))
    return stream


def open_rdf(path: Path, syntax: ox.RdfFormat) -> BinaryIO:
    """`path` opened for a parser of `syntax`: RDF/XML is first read for entity bombs."""
    if syntax == ox.RdfFormat.RDF_XML:
        with open_bytes(path) as stream:
            try:
                xmlentities.check(stream)
            except xmlentities.EntityError as err:
                raise Unreadable(err.message, path, err.line) from None
            except (OSError, EOFError) as err:
                raise Unreadable(f"cannot read: {err}", path) from None
    return open_bytes(path)


def read_graph(path: Path, into: Graph) -> None:
    """Add the statements of one file to `into`: named graphs merged, blank nodes kept apart
    from other files', literals as written, the file's prefixes bound.

    pyoxigraph parses and rdflib reads what it parsed as N-Triples: rdflib's own parsers would
    fetch the remote contexts a JSON-LD file names. Raises SyntaxError (with the line) from the
    parser, `Unreadable`, or `syntax.UnknownSyntax`.
    """
    syntax = syntax_of(path)
    with open_rdf(path, syntax) as stream:
        parser = ox.parse(
            stream, format=syntax, base_iri=path.resolve().as_uri(), rename_blank_nodes=True
        )
        triples = ox.serialize((quad.triple for quad in parser), format=ox.RdfFormat.N_TRIPLES)
    into.parse(data=triples or b"", format="nt")
    for prefix, namespace in parser.prefixes.items():
        into.bind(prefix, namespace, override=False)
