"""data/claims/*.yaml: what each source says, in our words, as statements about entities."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cartkg.curation.ids import Ids
from cartkg.curation.reader import Reader, at
from cartkg.curation.schema import CLAIM_FIELDS, KINDS, LINES, NO_RECORD, STATUSES, URL
from cartkg.curation.terms import Terms
from cartkg.namespaces import CARTKG
from cartkg.records import UNASSERTED_KINDS, Claim, Source, Statement, Where
from cartkg.values import TimeSpec

#: A paraphrase may not share this many consecutive words with the lines it cites.
COPIED_RUN = 8
#: The properties a qualifier may be: those below one of these.
QUALIFIERS = (CARTKG["qualifier"], CARTKG["literalQualifier"])


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def copied_run(paraphrase: str, original: str, run: int = COPIED_RUN) -> str | None:
    """The first run of `run` consecutive words the paraphrase shares with the original.

    >>> copied_run("we say the cells are then sent off to a drug maker", "cells are sent off")
    >>> copied_run("so: T cells are then sent off to a drug manufacturer there", \
        "These T cells are then sent off to a drug manufacturer where")
    't cells are then sent off to a'
    """
    ours, theirs = words(paraphrase), words(original)
    grams = {tuple(theirs[i : i + run]) for i in range(len(theirs) - run + 1)}
    for i in range(len(ours) - run + 1):
        if tuple(ours[i : i + run]) in grams:
            return " ".join(ours[i : i + run])
    return None


def _plain(text: str) -> str:
    """Lower case, one space between words, straight quotes: for finding a phrase in a line."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.lower().split())


class ClaimsFile:
    """Reads the claims of one source's file after another."""

    def __init__(self, reader: Reader, ids: Ids, terms: Terms) -> None:
        self.reader = reader
        self.errors = reader.errors
        self.ids = ids
        self.terms = terms
        self.vocab = terms.vocab

    def read(self, path: Path, sources: dict[str, Source]) -> list[Claim]:
        data = self.reader.load(path)
        if data is None:
            return []
        top = Where(self.reader.name(path), 1)
        if not isinstance(data, dict):
            message = "the file must be a mapping with `source:` and `claims:`"
            self.errors.add(top, "claims", message)
            return []
        place = at(data, top)
        source_id = data.get("source")
        for name in data:
            if name not in ("source", "claims"):
                self.errors.add(place(name), name, "unknown field (allowed: source, claims)")
        if source_id not in sources:
            message = f"{source_id!r} is not a source in sources.yaml"
            self.errors.add(place("source"), "source", message)
            return []
        if path.stem != source_id:
            self.errors.add(
                place("source"),
                "source",
                f"claims of {source_id!r} belong in claims/{source_id}.yaml, not {path.name}",
            )
        source = sources[source_id]
        found: list[Claim] = []
        for where, record in self.reader.records(data.get("claims"), place("claims"), "claims"):
            claim = self.claim(record, where, source)
            if claim is not None:
                found.append(claim)
        return found

    def claim(self, record: dict[str, Any], where: Where, source: Source) -> Claim | None:
        about = self.reader.fields(record, where, CLAIM_FIELDS, "about lines says state")
        place = at(record, where)
        if about is not None and about not in self.ids:
            self.errors.add(
                place("about"),
                "about",
                f"unknown entity {about!r} (define it in data/entities/ first)",
                about,
            )
        span = self.lines(record.get("lines"), place("lines"), source, about)
        says = self.reader.text(record, "says", where, about)
        if span and says and source.text_lines is not None:
            cited = " ".join(source.text_lines[span[0] - 1 : span[1]])
            if copied := copied_run(says, cited):
                self.errors.add(
                    place("says"),
                    "says",
                    f"copies the source's words ({copied!r}...); state the fact in our own words",
                    about,
                )
        status = record.get("status", "stated")
        note = self.reader.text(record, "note", where, about) or None
        evidence = record.get("record")
        if status not in STATUSES:
            message = f"{status!r} is not one of {', '.join(STATUSES)}"
            self.errors.add(place("status"), "status", message, about)
        statements = self.state(record.get("state"), place("state"), about, source)
        qualifiers = self.state(
            record.get("qualifiers"), place("qualifiers"), about, source, qualifier=True
        )
        kind = record.get("kind", "fact")
        if kind not in KINDS:
            message = f"{kind!r} is not one of {', '.join(KINDS)}"
            self.errors.add(place("kind"), "kind", message, about)
        holder = self.holder(record.get("holder"), place("holder"), about)
        if kind in UNASSERTED_KINDS and holder is None and not source.publisher:
            message = (
                f"a claim of kind {kind} needs a `holder` (whose {kind} it is): "
                f"{source.id} has no publisher to take as its holder"
            )
            self.errors.add(place("kind"), "holder", message, about)
        if span and source.text_lines is not None:
            cited = " ".join(source.text_lines[span[0] - 1 : span[1]])
            self.check_wording(statements + qualifiers, cited, source, about)
        if status in ("contradicted", "unverifiable") and not note:
            message = f"a {status} claim needs a note saying why"
            self.errors.add(place("status"), "note", message, about)
        absence = bool(statements) and all(st.value in NO_RECORD for st in statements)
        if status == "verified" and absence and (evidence or not note):
            self.errors.add(
                place("status"),
                "record",
                "a verified finding that no record exists has no record to cite: give no "
                "`record`, and a note saying where and how it was searched",
                about,
            )
        elif status in ("verified", "contradicted") and not evidence and not absence:
            self.errors.add(
                place("status"),
                "record",
                f"a {status} claim needs the URL of the primary record it was checked against",
                about,
            )
        if evidence is not None and not (isinstance(evidence, str) and URL.match(evidence)):
            self.errors.add(place("record"), "record", f"{evidence!r} is not an http(s) URL", about)
        if self.vocab.is_subclass(source.kind, CARTKG["VerificationRecord"]) and status not in (
            "verified",
            "contradicted",
        ):
            self.errors.add(
                place("status"),
                "status",
                "claims from a verification record must be verified or contradicted",
                about,
            )
        if about is None or span is None or not says or not statements:
            return None
        return Claim(
            source.id,
            about,
            span[0],
            span[1],
            says,
            statements,
            where,
            str(status),
            note,
            evidence,
            kind=str(kind),
            holder=holder,
            qualifiers=qualifiers,
        )

    def holder(self, raw: Any, where: Where, about: str | None) -> str | None:
        if raw is None:
            return None
        ranges = self.vocab.properties[CARTKG["heldBy"]].ranges
        found = self.terms.reference(ranges, raw, where, "holder", about, "holder")
        return str(raw) if found is not None else None

    def check_wording(
        self, statements: list[Statement], cited: str, source: Source, about: str | None
    ) -> None:
        """A time's wording is the document's own phrase: it must be in the cited lines."""
        text = _plain(cited)
        for statement in statements:
            value = statement.value
            spec = value[0] if isinstance(value, tuple) else None
            if isinstance(spec, TimeSpec) and spec.wording and _plain(spec.wording) not in text:
                message = (
                    f"wording {spec.wording!r} is not in the cited lines of {source.file}: "
                    "a time's wording is the document's own phrase for it"
                )
                self.errors.add(statement.where, "wording", message, about)

    def lines(
        self, raw: Any, where: Where, source: Source, about: str | None
    ) -> tuple[int, int] | None:
        if raw is None:
            return None  # reported as a missing field
        found = LINES.match(str(raw)) if isinstance(raw, int | str) else None
        if found is None or isinstance(raw, bool):
            message = f"{raw!r} is not a line number or a range like 11-13"
            self.errors.add(where, "lines", message, about)
            return None
        first = int(found.group(1))
        last = int(found.group(2) or first)
        if not 1 <= first <= last:
            message = f"{raw!r}: lines are 1-based and first <= last"
            self.errors.add(where, "lines", message, about)
            return None
        count = len(source.text_lines) if source.text_lines is not None else None
        if count is not None and last > count:
            message = f"{raw!r} is past the end of {source.file} ({count} lines)"
            self.errors.add(where, "lines", message, about)
            return None
        return first, last

    def state(
        self,
        raw: Any,
        where: Where,
        about: str | None,
        source: Source,
        qualifier: bool = False,
    ) -> list[Statement]:
        """The `state` (or, with `qualifier`, the `qualifiers`) of a claim as statements."""
        what = "qualifiers" if qualifier else "state"
        if raw is None:
            return []  # a missing `state` is reported as a missing field
        if not isinstance(raw, dict):
            self.errors.add(where, what, "must map properties to values", about)
            return []
        place = at(raw, where)
        found = []
        for name, value in raw.items():
            field = f"{what}.{name}"
            predicate = self.vocab.resolve(str(name))
            if predicate not in self.vocab.properties:
                message = f"{name!r} is not a property of the ontology"
                self.errors.add(place(name), field, message, about)
                continue
            is_qualifier = any(self.vocab.is_subproperty(predicate, q) for q in QUALIFIERS)
            if qualifier != is_qualifier:
                message = (
                    f"{name!r} is not a qualifier (a property below cartkg:qualifier)"
                    if qualifier
                    else f"{name!r} is a qualifier: put it under `qualifiers`, not `state`"
                )
                self.errors.add(place(name), field, message, about)
                continue
            values = value if isinstance(value, list) else [value]
            lines = getattr(value, "item_lines", [place(name).line] * len(values))
            if not values:
                self.errors.add(place(name), field, "has no value", about)
            for line, item in zip(lines, values, strict=True):
                here = Where(where.file, line)
                resolved = self.terms.value(predicate, item, here, field, about, source)
                if resolved is not None:
                    found.append(Statement(predicate, resolved, here))
        return found
