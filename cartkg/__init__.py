"""cartkg: an open knowledge graph of CAR-T cell therapy with a SPARQL query layer.

>>> from cartkg import __version__
>>> __version__.count(".") >= 2
True
"""

from cartkg.errors import (
    CartkgError,
    DataError,
    DataErrors,
    ReasonerError,
    SourceError,
    ValidationFailed,
)

__version__ = "0.1.0"

__all__ = [
    "CartkgError",
    "DataError",
    "DataErrors",
    "ReasonerError",
    "SourceError",
    "ValidationFailed",
    "__version__",
]
