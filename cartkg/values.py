"""Quantities, amounts of money and times: parsing the YAML form, and the value nodes they become.

>>> q = parse_amount({"min": 4, "max": 6, "unit": "week"})
>>> q.canonical()
'QuantitativeValue|min=4|max=6|unit=week'
>>> str(q.iri()) == str(q.iri()) and str(q.iri()).startswith("https://w3id.org/cartkg/id/value-")
True
>>> parse_amount({"value": 9000000, "currency": "GBP"}).canonical()
'MonetaryAmount|value=9000000|currency=GBP'
>>> parse_amount({"min": 6, "max": 4, "unit": "week"})
Traceback (most recent call last):
...
ValueError: min (6) is greater than max (4)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.term import Node

from cartkg.namespaces import CARTKG, KG, QUDT_UNIT, SCHEMA, TIME


@dataclass(frozen=True)
class Unit:
    qudt: str  # local name in http://qudt.org/vocab/unit/
    cefact: str  # UN/CEFACT Recommendation 20 common code
    label: str


_COUNT = "NUM"  # QUDT's dimensionless count; the label says what is counted

#: The units a quantity may have in the curated data.
UNITS: dict[str, Unit] = {
    "second": Unit("SEC", "SEC", "second"),
    "minute": Unit("MIN", "MIN", "minute"),
    "hour": Unit("HR", "HUR", "hour"),
    "day": Unit("DAY", "DAY", "day"),
    "week": Unit("WK", "WEE", "week"),
    "month": Unit("MO", "MON", "month"),
    "year": Unit("YR", "ANN", "year"),
    "percent": Unit("PERCENT", "P1", "percent"),
    "person": Unit(_COUNT, "IE", "person"),
    "patient": Unit(_COUNT, "IE", "patient"),
    "participant": Unit(_COUNT, "IE", "participant"),
    "child": Unit(_COUNT, "IE", "child"),
    "centre": Unit(_COUNT, "C62", "centre"),
    "hospital": Unit(_COUNT, "C62", "hospital"),
    "site": Unit(_COUNT, "C62", "site"),
    "trial": Unit(_COUNT, "C62", "trial"),
    "signature": Unit(_COUNT, "C62", "signature"),
    "cycle": Unit(_COUNT, "C62", "cycle"),
    "dose": Unit(_COUNT, "C62", "dose"),
    "infusion": Unit(_COUNT, "C62", "infusion"),
    "treatment": Unit(_COUNT, "C62", "treatment"),
    "cell": Unit(_COUNT, "C62", "cell"),
    "count": Unit(_COUNT, "C62", "count"),
}

#: ISO 4217 codes the data may use (extend when a source states another currency).
CURRENCIES = frozenset(
    {"GBP", "EUR", "USD", "CHF", "CAD", "AUD", "JPY", "CNY", "SEK", "NOK", "DKK"}
)

QUANTITY = SCHEMA["QuantitativeValue"]
MONEY = SCHEMA["MonetaryAmount"]
_FIELDS = ("value", "min", "max", "unit", "currency")


def _number(raw: Any, field: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(f"{field} must be a number, not {raw!r}")
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"{field} must be a number, not {raw!r}") from None
    if not number.is_finite():
        raise ValueError(f"{field} must be a finite number, not {raw!r}")
    return number


def _decimal_text(number: Decimal) -> str:
    """Shortest plain decimal notation: 5.50 -> '5.5', 4E+1 -> '40'."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Amount:
    """A quantity (`unit`) or an amount of money (`currency`): one value or a range."""

    value: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    unit: str | None = None
    currency: str | None = None

    @property
    def rdf_class(self) -> URIRef:
        return MONEY if self.currency else QUANTITY

    def canonical(self, extra_class: URIRef | None = None) -> str:
        parts = [self.rdf_class.split("/")[-1]]
        for field in _FIELDS:
            raw = getattr(self, field)
            if raw is not None:
                parts.append(f"{field}={_decimal_text(raw) if isinstance(raw, Decimal) else raw}")
        if extra_class is not None:
            parts.append(f"class={extra_class}")
        return "|".join(parts)

    def iri(self, extra_class: URIRef | None = None) -> URIRef:
        """`kg:value-<12 hex>`, the same for the same content wherever it is stated."""
        digest = hashlib.sha256(self.canonical(extra_class).encode("utf-8")).hexdigest()
        return KG[f"value-{digest[:12]}"]

    def triples(self, extra_class: URIRef | None = None) -> list[tuple[URIRef, URIRef, Node]]:
        """The value node's description; `extra_class` is a more specific class (cartkg:Cost)."""
        node = self.iri(extra_class)
        out: list[tuple[URIRef, URIRef, Node]] = [(node, RDF.type, self.rdf_class)]
        if extra_class is not None and extra_class != self.rdf_class:
            out.append((node, RDF.type, extra_class))
        for field, prop in (("value", "value"), ("min", "minValue"), ("max", "maxValue")):
            raw = getattr(self, field)
            if raw is not None:
                out.append((node, SCHEMA[prop], Literal(_decimal_text(raw), datatype=XSD.decimal)))
        if self.unit is not None:
            unit = UNITS[self.unit]
            out.append((node, SCHEMA["unitCode"], Literal(unit.cefact)))
            out.append((node, SCHEMA["unitText"], Literal(unit.label)))
            out.append((node, CARTKG["unit"], QUDT_UNIT[unit.qudt]))
        if self.currency is not None:
            out.append((node, SCHEMA["currency"], Literal(self.currency)))
        return out


def parse_amount(raw: dict[str, Any]) -> Amount:
    """Check and parse `{value|min|max, unit|currency}`; ValueError says what is wrong."""
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(_FIELDS)}")
    numbers = {f: _number(raw[f], f) for f in ("value", "min", "max") if raw.get(f) is not None}
    if not numbers:
        raise ValueError("needs `value`, or `min` and `max`")
    if "value" in numbers and len(numbers) > 1:
        raise ValueError("give either `value` or a range (`min`/`max`), not both")
    if ("min" in numbers) != ("max" in numbers):
        raise ValueError("a range needs both `min` and `max` (or give one `value`)")
    if "min" in numbers and numbers["min"] > numbers["max"]:
        raise ValueError(f"min ({raw['min']}) is greater than max ({raw['max']})")
    unit, currency = raw.get("unit"), raw.get("currency")
    if (unit is None) == (currency is None):
        raise ValueError("needs exactly one of `unit` (a quantity) or `currency` (money)")
    if unit is not None and unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; known units: {', '.join(UNITS)}")
    if currency is not None and currency not in CURRENCIES:
        raise ValueError(f"unknown currency {currency!r}; known: {', '.join(sorted(CURRENCIES))}")
    return Amount(
        value=numbers.get("value"),
        min=numbers.get("min"),
        max=numbers.get("max"),
        unit=unit,
        currency=currency,
    )


# ---- times as the documents give them ----------------------------------------------------

TIME_SPEC = CARTKG["TimeSpecification"]
_TIME_FIELDS = ("date", "until", "precision", "wording", "reference", "offset", "direction")
#: Precision -> (the individual, the date forms it may qualify). Wikidata's precision numbers
#: are on the individuals in the ontology (skos:notation).
PRECISIONS: dict[str, tuple[URIRef, frozenset[URIRef]]] = {
    "day": (CARTKG["PrecisionDay"], frozenset({XSD.date})),
    "month": (CARTKG["PrecisionMonth"], frozenset({XSD.gYearMonth})),
    "year": (CARTKG["PrecisionYear"], frozenset({XSD.gYear})),
    "decade": (CARTKG["PrecisionDecade"], frozenset({XSD.gYear})),
    "century": (CARTKG["PrecisionCentury"], frozenset({XSD.gYear})),
}
_NATURAL = {XSD.date: "day", XSD.gYearMonth: "month", XSD.gYear: "year"}
_IN_XSD = {XSD.date: TIME["inXSDDate"], XSD.gYearMonth: TIME["inXSDgYearMonth"]}
DIRECTIONS = {"before": CARTKG["Before"], "after": CARTKG["After"]}
#: A wording is the document's own phrase for a time ("a decade ago"), kept short so that it
#: is a phrase and never a sentence.
MAX_WORDING_WORDS = 6


@dataclass(frozen=True)
class TimeSpec:
    """A time as a document gives it: a date to some precision, or an offset from a reference
    point (the document's own date, or an event), with the document's wording."""

    date: Literal | None = None
    until: Literal | None = None
    precision: str | None = None
    wording: str | None = None
    reference: URIRef | None = None
    offset: Amount | None = None
    direction: str | None = None

    @property
    def rdf_class(self) -> URIRef:
        return TIME_SPEC

    def canonical(self, extra_class: URIRef | None = None) -> str:
        parts = ["TimeSpecification"]
        for field in _TIME_FIELDS:
            raw = getattr(self, field)
            if isinstance(raw, Amount):
                raw = raw.canonical()
            if raw is not None:
                parts.append(f"{field}={raw}")
        if extra_class is not None:
            parts.append(f"class={extra_class}")
        return "|".join(parts)

    def iri(self, extra_class: URIRef | None = None) -> URIRef:
        digest = hashlib.sha256(self.canonical(extra_class).encode("utf-8")).hexdigest()
        return KG[f"value-{digest[:12]}"]

    def triples(self, extra_class: URIRef | None = None) -> list[tuple[URIRef, URIRef, Node]]:
        node = self.iri(extra_class)
        out: list[tuple[URIRef, URIRef, Node]] = [(node, RDF.type, TIME_SPEC)]
        if extra_class is not None and extra_class != TIME_SPEC:
            out.append((node, RDF.type, extra_class))
        if self.date is not None:
            form = _IN_XSD.get(self.date.datatype or XSD.gYear, TIME["inXSDgYear"])
            out.append((node, form, self.date))
        if self.until is not None:
            out.append((node, CARTKG["until"], self.until))
        if self.precision is not None:
            out.append((node, CARTKG["timePrecision"], PRECISIONS[self.precision][0]))
        if self.wording is not None:
            out.append((node, CARTKG["originalWording"], Literal(self.wording, lang="en")))
        if self.reference is not None:
            out.append((node, CARTKG["relativeTo"], self.reference))
        if self.offset is not None:
            out.append((node, CARTKG["timeOffset"], self.offset.iri()))
            out.extend(self.offset.triples())
        if self.direction is not None:
            out.append((node, CARTKG["offsetDirection"], DIRECTIONS[self.direction]))
        return out


_DATES = frozenset({XSD.date, XSD.gYearMonth, XSD.gYear})


def parse_time(raw: dict[str, Any], reference: Callable[[str], URIRef]) -> TimeSpec:
    """Check and parse a time; `reference` gives the IRI of `document` or of an entity id (and
    raises ValueError for an unknown one). ValueError says what is wrong.

    >>> doc = lambda name: KG["source-001"]
    >>> t = parse_time({"date": "2008", "precision": "decade", "wording": "a decade ago",
    ...                 "reference": "document"}, doc)
    >>> t.canonical()
    'TimeSpecification|date=2008|precision=decade|wording=a decade ago|reference=https://w3id.org/cartkg/id/source-001'
    >>> parse_time({"offset": {"value": 1, "unit": "year"}, "reference": "document"}, doc)
    Traceback (most recent call last):
    ...
    ValueError: an offset needs a `direction` (before or after)
    """
    unknown = sorted(set(raw) - set(_TIME_FIELDS))
    if unknown:
        allowed = ", ".join(_TIME_FIELDS)
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; a time allows: {allowed}")
    day = _time_literal(raw.get("date"), "date")
    until = _time_literal(raw.get("until"), "until")
    if until is not None and day is None:
        raise ValueError("`until` ends a period: give its start as `date`")
    if day is not None and until is not None and str(until) < str(day):
        raise ValueError(f"until ({until}) is before date ({day})")
    precision = raw.get("precision")
    if precision is None and day is not None:
        precision = _NATURAL[day.datatype] if day.datatype is not None else None
    if precision is not None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}")
        if day is not None and day.datatype not in PRECISIONS[precision][1]:
            raise ValueError(f"precision {precision} does not fit the date {str(day)!r}")
    wording = raw.get("wording")
    if wording is not None:
        if not isinstance(wording, str) or not wording.strip():
            raise ValueError("`wording` must be the document's phrase, as text")
        if len(wording.split()) > MAX_WORDING_WORDS:
            raise ValueError(f"`wording` is a phrase of at most {MAX_WORDING_WORDS} words")
    offset = parse_amount(raw["offset"]) if isinstance(raw.get("offset"), dict) else None
    if raw.get("offset") is not None and offset is None:
        raise ValueError("`offset` is a duration such as {value: 10, unit: year}")
    if offset is not None and offset.unit not in _DURATION_UNITS:
        raise ValueError(f"an offset is a duration (unit one of {', '.join(_DURATION_UNITS)})")
    direction = raw.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be before or after, not {direction!r}")
    if (offset is None) != (direction is None) and offset is not None:
        raise ValueError("an offset needs a `direction` (before or after)")
    if direction is not None and raw.get("reference") is None:
        raise ValueError("a direction needs a `reference` (document, or an event's id)")
    ref = raw.get("reference")
    if ref is not None and not isinstance(ref, str):
        raise ValueError("`reference` is `document` or an entity id")
    if day is None and ref is None:
        raise ValueError("a time needs a `date`, or a `reference` it is relative to")
    return TimeSpec(
        date=day,
        until=until,
        precision=precision,
        wording=wording.strip() if isinstance(wording, str) else None,
        reference=reference(ref) if ref is not None else None,
        offset=offset,
        direction=direction,
    )


_DURATION_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")


def _time_literal(raw: Any, field: str) -> Literal | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValueError(f'{field} must be a quoted date such as "2018-09", not {raw!r}')
    return literal(raw, _DATES)


# ---- literals ----------------------------------------------------------------------------

_DATE_FORMS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD.date),
    (re.compile(r"^\d{4}-\d{2}$"), XSD.gYearMonth),
    (re.compile(r"^\d{4}$"), XSD.gYear),
)
_INTEGERS = {
    XSD.integer: None,
    XSD.int: None,
    XSD.long: None,
    XSD.nonNegativeInteger: 0,
    XSD.positiveInteger: 1,
}
_DECIMALS = (XSD.decimal, XSD.double, XSD.float)
_URL = re.compile(r"^https?://\S+$")


def _date(text: str, datatype: URIRef) -> Literal:
    padded = {XSD.date: text, XSD.gYearMonth: text + "-01", XSD.gYear: text + "-01-01"}[datatype]
    try:
        date.fromisoformat(padded)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None
    return Literal(text, datatype=datatype)


def _as(raw: Any, datatype: URIRef) -> Literal | None:
    """`raw` as a literal of `datatype`, or None when it does not fit."""
    if datatype == RDF.langString:
        return Literal(raw, lang="en") if isinstance(raw, str) else None
    if datatype in (XSD.string, RDFS.Literal):
        return Literal(raw) if isinstance(raw, str) and datatype == XSD.string else _plain(raw)
    if isinstance(raw, bool):
        return Literal(raw) if datatype == XSD.boolean else None
    if datatype in _INTEGERS:
        low = _INTEGERS[datatype]
        if isinstance(raw, int) and (low is None or raw >= low):
            return Literal(str(raw), datatype=datatype)
        return None
    if datatype in _DECIMALS:
        if isinstance(raw, int | float):
            return Literal(_decimal_text(_number(raw, "value")), datatype=datatype)
        return None
    if datatype in (XSD.date, XSD.gYearMonth, XSD.gYear):
        if isinstance(raw, str):
            form = next((dt for rx, dt in _DATE_FORMS if rx.match(raw)), None)
            return _date(raw, datatype) if form == datatype else None
        return None
    if datatype == XSD.anyURI:
        return Literal(raw, datatype=datatype) if isinstance(raw, str) and _URL.match(raw) else None
    if isinstance(raw, str):
        return Literal(raw, datatype=datatype)  # a datatype we do not check lexically
    return None


def _plain(raw: Any) -> Literal | None:
    if isinstance(raw, str | bool | int):
        return Literal(raw)
    if isinstance(raw, float):
        return Literal(_decimal_text(_number(raw, "value")), datatype=XSD.decimal)
    return None


def literal(raw: Any, datatypes: frozenset[URIRef]) -> Literal:
    """`raw` as a literal of one of `datatypes` (a union range), or ValueError.

    >>> literal("2023-04", frozenset({XSD.date, XSD.gYearMonth, XSD.gYear})).datatype
    rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYearMonth')
    >>> literal(-1, frozenset({XSD.nonNegativeInteger}))
    Traceback (most recent call last):
    ...
    ValueError: -1 is not a valid nonNegativeInteger
    """
    if not datatypes:
        found = _plain(raw)
        if found is None:
            raise ValueError(f"{raw!r} is not a literal value")
        return found
    for datatype in sorted(datatypes):
        found = _as(raw, datatype)
        if found is not None:
            return found
    expected = " or ".join(sorted(d.split("#")[-1] for d in datatypes))
    raise ValueError(f"{raw!r} is not a valid {expected}")
