"""What a record of each kind may hold: its fields, in the order the canonical form writes them,
and the patterns and words its values must match."""

from __future__ import annotations

import re

from rdflib import XSD

from cartkg.namespaces import CARTKG

#: The fields of each record kind; `cartkg data fmt` writes them in this order, others after.
RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("sources",),
    "source": (
        "id",
        "file",
        "sha256",
        "title",
        "title_is_descriptive",
        "kind",
        "publisher",
        "date",
        "reliability",
    ),
    "entity": ("id", "type", "label", "aliases", "description"),
    "claims": ("source", "claims"),
    "claim": (
        "about",
        "lines",
        "says",
        "kind",
        "holder",
        "state",
        "qualifiers",
        "status",
        "note",
        "record",
    ),
    "value": (
        *("value", "min", "max", "unit", "currency"),
        *("date", "until", "precision", "wording", "reference", "offset", "direction"),
    ),
}
SOURCE_FIELDS = RECORD_KEYS["source"]
ENTITY_FIELDS = RECORD_KEYS["entity"]
CLAIM_FIELDS = RECORD_KEYS["claim"]

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LINES = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?$")
URL = re.compile(r"^https?://\S+$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
DATES = frozenset({XSD.date, XSD.gYearMonth, XSD.gYear})
STATUSES = ("stated", "verified", "contradicted", "unverifiable")
#: Claim kinds -> the subclass of cartkg:Assertion their assertions are typed with (CIViC-like
#: evidence types). A fact is a plain assertion.
KINDS: dict[str, str | None] = {
    "fact": None,
    "primacy": "PrimacyClaim",
    "rarity": "RarityClaim",
    "opinion": "Opinion",
    "expectation": "Expectation",
    "summary": "Summary",
}
#: Values stating that no record exists: a check that finds nothing has no record to cite.
NO_RECORD = frozenset({CARTKG["NoRegistryRecordFound"]})
