"""The curated data (data/*.yaml) loaded into typed records and checked against the schema.

The format is described in data/README.md. Every problem found is collected, then all are
raised together as one `DataErrors`, each naming file, line, field and entity.

| module | what it does |
|---|---|
| `schema.py` | the fields of each kind of record, and the patterns their values match |
| `problems.py` | the list the problems are collected in |
| `reader.py` | YAML files read record by record: lists of mappings, their fields and texts |
| `ids.py` | the ids defined so far |
| `terms.py` | names looked up in the ontology: classes, and the values of properties |
| `sources.py`, `entities.py`, `claims.py` | one reader for each kind of data file |
| `across.py` | checks across records: publishers, facts stated twice |

Each module imports only those above it in this table.
"""

from __future__ import annotations

from pathlib import Path

from cartkg.curation.across import check_publishers, check_repeats
from cartkg.curation.claims import ClaimsFile, copied_run
from cartkg.curation.entities import EntitiesFile
from cartkg.curation.ids import Ids
from cartkg.curation.problems import Problems
from cartkg.curation.reader import Reader
from cartkg.curation.schema import NO_RECORD, RECORD_KEYS, SLUG
from cartkg.curation.sources import SourcesFile
from cartkg.curation.terms import Terms
from cartkg.errors import DataError, DataErrors, SourceError
from cartkg.mappings import Mapping, read_sssom
from cartkg.records import Curation
from cartkg.vocabulary import Vocabulary

__all__ = ["NO_RECORD", "RECORD_KEYS", "SLUG", "copied_run", "load_curation"]


def load_curation(root: Path, vocabulary: Vocabulary, sources_dir: Path | None) -> Curation:
    """Load and check `root/data`; raise DataErrors listing every problem."""
    data = root / "data"
    errors = Problems()
    reader = Reader(root, errors)
    ids = Ids(errors)
    terms = Terms(vocabulary, ids, errors)
    sources = SourcesFile(reader, ids, terms, sources_dir).read(data / "sources.yaml")
    entities_file = EntitiesFile(reader, ids, terms)
    entities = [
        e for path in sorted((data / "entities").glob("*.yaml")) for e in entities_file.read(path)
    ]
    check_publishers(sources, ids, errors)
    by_id = {s.id: s for s in sources}
    claims_file = ClaimsFile(reader, ids, terms)
    claims = [
        c
        for path in sorted((data / "claims").glob("*.yaml"))
        for c in claims_file.read(path, by_id)
    ]
    check_repeats(claims, vocabulary, errors)
    mappings: list[Mapping] = []
    for path in sorted((data / "mappings").glob("*.sssom.tsv")):
        name = reader.name(path)
        reader.inputs[name] = path
        try:
            found, wrong = read_sssom(path, name, set(ids))
        except SourceError as err:
            errors.append(DataError(err.message, file=name, line=err.line, field="sssom"))
            continue
        mappings += found
        errors += wrong
    if errors:
        raise DataErrors(list(errors))
    return Curation(sources, entities, claims, mappings, reader.inputs)
