"""Seeded generator of CAR-T-shaped RDF for the SHACL benchmark.

The data mimics a researcher's file: therapies, diseases, organisations, people, studies,
publications, outcomes, source documents and many provenance assertions, plus the class
hierarchy they use. About one opportunity in `error_rate` breaks a constraint of
bench/shapes/cart-shapes.ttl, in one of the ways curators get wrong (missing or duplicate
values, wrong datatype, ill-typed literal, bad pattern, wrong class, value outside a list,
inverted line range, closed-shape breach), so both engines have violations to find.

    python bench/gen_cart_data.py --triples 1000000 --seed 7 --out bench/data/cart-1m.ttl

>>> import io
>>> out = io.StringIO()
>>> generate(out, triples=2000, seed=1)
2000
>>> text = out.getvalue()
>>> text.count(" .\\n") - text.count("@prefix") == 2000
True
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "cartkg": "https://w3id.org/cartkg/ontology/",
    "kg": "https://w3id.org/cartkg/id/",
    "unit": "http://qudt.org/vocab/unit/",
}

SUBCLASSES = [
    ("CarTTherapy", "Therapy"),
    ("CarTProduct", "CarTTherapy"),
    ("Chemotherapy", "Therapy"),
    ("Cancer", "Disease"),
    ("AutoimmuneDisease", "Disease"),
    ("Charity", "Organisation"),
    ("PatientOrganisation", "Charity"),
    ("Regulator", "Organisation"),
    ("Manufacturer", "Organisation"),
    ("University", "Organisation"),
    ("HealthcareProvider", "Organisation"),
    ("TreatmentCentre", "HealthcareProvider"),
    ("Hospital", "TreatmentCentre"),
    ("ClinicalTrial", "ClinicalStudy"),
    ("CaseSeries", "ClinicalStudy"),
    ("Infusion", "TreatmentStage"),
    ("Conditioning", "TreatmentStage"),
    ("CellCollection", "TreatmentStage"),
    ("NewsArticle", "SourceDocument"),
    ("HospitalWebPage", "SourceDocument"),
    ("BlogPost", "SourceDocument"),
    ("CharityNewsPost", "SourceDocument"),
]
FUNCTIONS = [
    "LicensingFunction",
    "AppraisalFunction",
    "FundingFunction",
    "EarlyAccessFunction",
    "ResearchFundingFunction",
    "PatientSupportFunction",
    "ManufacturingFunction",
    "CommissioningFunction",
]
STATUSES = [
    "not yet recruiting",
    "recruiting",
    "active, not recruiting",
    "completed",
    "terminated",
    "withdrawn",
]
ASSERTION_STATUSES = ["Stated", "Verified", "Contradicted", "Unverifiable"]
PREDICATES = [
    "hasIndication",
    "targetsAntigen",
    "providesTherapy",
    "locatedIn",
    "leads",
    "reportsOutcome",
    "hasStage",
    "studiesCondition",
]
WORDS = [
    "cell",
    "therapy",
    "lymphoma",
    "leukaemia",
    "lupus",
    "myeloma",
    "remission",
    "infusion",
    "trial",
    "centre",
    "patients",
    "response",
    "relapse",
    "toxicity",
    "cytokine",
    "release",
    "neurological",
    "outcome",
]

# Relative number of each kind of entity; assertions fill the rest of the triple budget.
MIX = {
    "place": 0.5,
    "journal": 0.5,
    "stage": 1,
    "disease": 2,
    "therapy": 2,
    "organisation": 6,
    "person": 10,
    "study": 5,
    "publication": 20,
    "outcome": 8,
    "source": 5,
}


def _lit(text: str, lang: str | None = None, dt: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    return f'"{escaped}"^^{dt}' if dt else f'"{escaped}"'


class _Gen:
    """Emits one entity at a time; `bad(n)` decides which of n injected errors, if any, to make."""

    def __init__(self, seed: int, error_rate: float, scale: float) -> None:
        self.rng = random.Random(seed)
        self.error_rate = error_rate
        self.counts = {kind: max(1, int(share * 1000 * scale)) for kind, share in MIX.items()}
        self.n_assertions = 0

    def bad(self) -> bool:
        return self.rng.random() < self.error_rate

    def pick(self, kind: str) -> str:
        return f"kg:{kind}-{self.rng.randrange(self.counts[kind])}"

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def place(self, i: int) -> Iterator[str]:
        yield f"kg:place-{i} a cartkg:Place ; rdfs:label {_lit(self.words(2), 'en')}"

    def journal(self, i: int) -> Iterator[str]:
        yield f"kg:journal-{i} a cartkg:Journal ; rdfs:label {_lit('Journal of ' + self.words(2))}"

    def stage(self, i: int) -> Iterator[str]:
        kind = self.rng.choice(["Infusion", "Conditioning", "CellCollection"])
        yield f"kg:stage-{i} a cartkg:{kind} ; rdfs:label {_lit(self.words(2), 'en')}"

    def disease(self, i: int) -> Iterator[str]:
        s = f"kg:disease-{i}"
        yield f"{s} a cartkg:{self.rng.choice(['Cancer', 'AutoimmuneDisease'])}"
        if self.bad():
            yield f"{s} rdfs:label {_lit(self.words(2))}"  # no language tag
        else:
            yield f"{s} rdfs:label {_lit(self.words(2), 'en')}"
        yield f"{s} skos:altLabel {_lit(self.words(1), None if self.bad() else 'en')}"
        mondo = f"{self.rng.randrange(10**7):07d}"
        if self.bad():
            mondo = mondo[:5]
        yield f"{s} skos:exactMatch <http://purl.obolibrary.org/obo/MONDO_{mondo}>"

    def therapy(self, i: int) -> Iterator[str]:
        s = f"kg:therapy-{i}"
        yield f"{s} a cartkg:{self.rng.choice(['CarTTherapy', 'CarTProduct', 'Chemotherapy'])}"
        if not self.bad():
            yield f"{s} rdfs:label {_lit('therapy ' + self.words(2), 'en')}"
            if self.bad():
                yield f"{s} rdfs:label {_lit('therapy ' + self.words(3), 'en')}"
        yield f"{s} cartkg:targetsAntigen kg:{self.rng.choice(['cd19', 'bcma'])}"
        target = self.pick("place") if self.bad() else self.pick("disease")
        yield f"{s} cartkg:hasIndication {target}"
        yield f"{s} cartkg:hasStage {self.pick('stage')}"
        for n in range(2 if self.bad() else 1):
            cost = f"kg:value-cost-{i}-{n}"
            currency = "gbp" if self.bad() else "GBP"
            yield f"{s} cartkg:hasCost {cost}"
            yield f"{cost} a schema:MonetaryAmount ; schema:currency {_lit(currency)}"
            value = f"{self.rng.randrange(100000, 400000)}.{self.rng.randrange(10)}0"
            value = "-" + value if self.bad() else value
            yield f"{cost} schema:value {_lit(value, dt='xsd:decimal')}"

    def organisation(self, i: int) -> Iterator[str]:
        s = f"kg:organisation-{i}"
        kind = self.rng.choice(
            [
                "Hospital",
                "Charity",
                "PatientOrganisation",
                "Regulator",
                "Manufacturer",
                "University",
                "TreatmentCentre",
            ]
        )
        yield f"{s} a cartkg:{kind}"
        for _ in range(2 if self.bad() else 1):
            yield f"{s} rdfs:label {_lit(self.words(3), 'en-GB')}"
        url = f"https://org{i}.example.org/"
        yield f"{s} cartkg:homepage {_lit(url) if self.bad() else _lit(url, dt='xsd:anyURI')}"
        yield f"{s} cartkg:locatedIn {self.pick('place')}"
        parent = None
        if self.rng.random() < 0.3:
            parent = self.pick("person" if self.bad() else "organisation")
            yield f"{s} cartkg:partOf {parent}"
        function = "cartkg:Gardening" if self.bad() else f"cartkg:{self.rng.choice(FUNCTIONS)}"
        if parent and self.bad():
            function = parent  # the parent organisation given as a function, by mistake
        yield f"{s} cartkg:hasFunction {function}"

    def person(self, i: int) -> Iterator[str]:
        s = f"kg:person-{i}"
        yield f"{s} a cartkg:Person"
        name = self.rng.choice(["A", "B"]) if self.bad() else f"person {self.words(2)}"
        yield f"{s} rdfs:label {_lit(name, 'en') if self.bad() else _lit(name)}"
        yield f"{s} cartkg:affiliatedWith {self.pick('organisation')}"
        email = f"p{i}.example.org" if self.bad() else f"p{i}@example.org"
        yield f"{s} cartkg:contactEmail {_lit(email)}"
        role = f"kg:value-role-{i}"
        yield f"{s} cartkg:hasRole {role}"
        yield f"{role} a cartkg:Role ; cartkg:roleTitle {_lit(self.words(2), 'en')}"
        if not self.bad():
            yield f"{role} cartkg:roleIn {self.pick('organisation')}"

    def study(self, i: int) -> Iterator[str]:
        s = f"kg:study-{i}"
        yield f"{s} a cartkg:{self.rng.choice(['ClinicalTrial', 'CaseSeries'])}"
        yield f"{s} rdfs:label {_lit('study of ' + self.words(3), 'en')}"
        nct = f"NCT{self.rng.randrange(10**8):08d}"
        yield f"{s} cartkg:registryIdentifier {_lit(nct[:7] if self.bad() else nct)}"
        enrolment = str(self.rng.randrange(5, 500))
        if self.bad():
            enrolment = self.rng.choice(["0", "-5", "abc", "1e3"])
        dt = "xsd:integer" if self.bad() else "xsd:nonNegativeInteger"
        yield f"{s} cartkg:plannedEnrolment {_lit(enrolment, dt=dt)}"
        status = self.rng.choice(STATUSES)
        yield f"{s} cartkg:recruitmentStatus {_lit(status.title() if self.bad() else status)}"
        if not self.bad():
            yield f"{s} cartkg:studiesCondition {self.pick('disease')}"
        yield f"{s} cartkg:studiesTherapy {self.pick('therapy')}"
        yield f"{s} cartkg:leadOrganisation {self.pick('organisation')}"

    def publication(self, i: int) -> Iterator[str]:
        s = f"kg:publication-{i}"
        yield f"{s} a cartkg:Publication ; rdfs:label {_lit(self.words(6), 'en')}"
        doi = f"10.{self.rng.randrange(1000, 99999)}/j.{i}"
        yield f"{s} cartkg:doi {_lit('doi:' + doi if self.bad() else doi)}"
        year = self.rng.randrange(1995, 2026)
        date = self.rng.choice(
            [
                _lit(
                    f"{year}-{self.rng.randrange(1, 13):02d}-{self.rng.randrange(1, 29):02d}",
                    dt="xsd:date",
                ),
                _lit(f"{year}-{self.rng.randrange(1, 13):02d}", dt="xsd:gYearMonth"),
                _lit(str(year), dt="xsd:gYear"),
            ]
        )
        if self.bad():
            date = self.rng.choice([_lit(str(year)), _lit(f"{year}-02-30", dt="xsd:date")])
        yield f"{s} cartkg:date {date}"
        for _ in range(2 if self.bad() else 1):
            yield f"{s} cartkg:publishedIn {self.pick('journal')}"
        yield f"{s} cartkg:pages {_lit(f'{i % 900}-{i % 900 + 9}')}"

    def outcome(self, i: int) -> Iterator[str]:
        s = f"kg:outcome-{i}"
        yield f"{s} a cartkg:ReportedOutcome"
        size = str(self.rng.randrange(1, 300))
        dt = "xsd:integer" if self.bad() else "xsd:nonNegativeInteger"
        yield f"{s} cartkg:populationSize {_lit(size, dt=dt)}"
        yield f"{s} cartkg:outcomeMeasure {_lit(self.words(3), None if self.bad() else 'en')}"
        value = f"kg:value-outcome-{i}"
        yield f"{s} cartkg:outcomeValue {value}"
        yield f"{value} a schema:QuantitativeValue"
        low = self.rng.randrange(0, 50)
        high = low - 5 if self.bad() else low + self.rng.randrange(1, 50)
        yield f"{value} schema:minValue {low} ; schema:maxValue {high}"
        if not self.bad():
            yield f"{value} schema:unitCode unit:PERCENT"
        yield f"{s} cartkg:outcomeCondition {self.pick('disease')}"

    def source(self, i: int) -> Iterator[str]:
        s = f"kg:source-{i}"
        yield f"{s} a cartkg:{self.rng.choice(['NewsArticle', 'HospitalWebPage', 'BlogPost'])}"
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        yield f"{s} cartkg:sha256 {_lit(digest.upper() if self.bad() else digest)}"
        yield f"{s} cartkg:fileName {_lit(f'{i:03d}_{digest[:16]}.txt')}"
        if not self.bad():
            yield f"{s} dcterms:title {_lit(self.words(5), 'en')}"
        yield f"{s} dcterms:publisher {self.pick('organisation')}"
        yield f"{s} cartkg:citesPublication {self.pick('publication')}"
        yield f"{s} cartkg:mentions {self.pick('therapy')}"
        if self.bad():
            yield f"{s} schema:author {self.pick('person')}"  # not allowed: the shape is closed

    def assertion(self, i: int) -> Iterator[str]:
        s = f"kg:assertion-{i}"
        yield f"{s} a cartkg:Assertion"
        for _ in range(2 if self.bad() else 1):
            yield f"{s} rdf:subject {self.pick('therapy')}"
        yield f"{s} rdf:predicate cartkg:{self.rng.choice(PREDICATES)}"
        yield f"{s} rdf:object {self.pick('disease')}"
        if not self.bad():
            status = "Maybe" if self.bad() else self.rng.choice(ASSERTION_STATUSES)
            yield f"{s} cartkg:status cartkg:{status}"
        yield f"{s} cartkg:statedIn {self.pick('publication' if self.bad() else 'source')}"
        start = self.rng.randrange(1, 200)
        end = start + self.rng.randrange(0, 4)
        if self.bad():
            start, end = end + 1, start
        yield f"{s} cartkg:locator {_lit(f'l. {start}' if self.bad() else f'lines {start}-{end}')}"
        first = "0" if self.bad() else str(start)
        yield f"{s} cartkg:lineStart {_lit(first, dt='xsd:positiveInteger')}"
        yield f"{s} cartkg:lineEnd {_lit(str(end), dt='xsd:positiveInteger')}"
        yield f"{s} cartkg:paraphrase {_lit(self.words(12), 'fr' if self.bad() else 'en')}"
        if self.bad():
            yield f"{s} cartkg:paraphrase {_lit(self.words(10), 'en')}"
        if self.rng.random() < 0.1:
            yield f"{s} cartkg:checkedAgainst <https://pubmed.ncbi.nlm.nih.gov/{i}/>"


def generate(
    out: TextIO, *, triples: int = 1_000_000, seed: int = 7, error_rate: float = 0.005
) -> int:
    """Write `triples` triples of Turtle to `out`; return the number written."""
    gen = _Gen(seed, error_rate, scale=triples / 1_000_000)
    for prefix, iri in PREFIXES.items():
        out.write(f"@prefix {prefix}: <{iri}> .\n")
    written = 0

    def emit(statements: Iterator[str]) -> bool:
        nonlocal written
        for statement in statements:
            # "s p o ; p2 o2" is written as one triple per line, so the count is exact.
            first, *more = statement.split(" ; ")
            subject = first.split(" ", 1)[0]
            for triple in [first, *(f"{subject} {rest}" for rest in more)]:
                if written == triples:
                    return False
                out.write(triple + " .\n")
                written += 1
        return True

    ontology = [f"cartkg:{sub} rdfs:subClassOf cartkg:{sup}" for sub, sup in SUBCLASSES]
    ontology += ["kg:cd19 a cartkg:TargetAntigen", "kg:bcma a cartkg:TargetAntigen"]
    if not emit(iter(ontology)):
        return written
    for kind, count in gen.counts.items():
        make = getattr(gen, kind)
        for i in range(count):
            if not emit(make(i)):
                return written
    i = 0
    while emit(gen.assertion(i)):
        i += 1
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--error-rate", type=float, default=0.005)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "cart-1m.ttl")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        n = generate(out, triples=args.triples, seed=args.seed, error_rate=args.error_rate)
    print(f"wrote {n} triples to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
