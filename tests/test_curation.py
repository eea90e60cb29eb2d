"""The curated-data schema: every mistake is reported with file, line, field, entity and rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import XSD, Literal, URIRef

from cartkg import yamlfmt, yamlio
from cartkg.curation import load_curation
from cartkg.errors import DataErrors
from cartkg.mappings import canonical_tsv
from cartkg.paths import Layout, sources_dir
from cartkg.records import Curation
from cartkg.values import parse_amount
from cartkg.vocabulary import Vocabulary, load_ontology


def load(project: Layout) -> Curation:
    vocabulary = Vocabulary(load_ontology(project.ontology))
    return load_curation(project.root, vocabulary, sources_dir(project.root))


def edit(project: Layout, name: str, old: str, new: str) -> int:
    """Replace `old` (once) in a data file; return the 1-based line where the change starts."""
    path = project.data / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def errors(project: Layout) -> list[str]:
    with pytest.raises(DataErrors) as caught:
        load(project)
    message = str(caught.value)
    listed = [line.strip() for line in message.splitlines()[1:]]
    assert len(listed) == len(caught.value.errors)
    return listed


def test_the_fixture_loads_with_every_statement(mini_project: Layout) -> None:
    curation = load(mini_project)
    claims_files = sorted((mini_project.data / "claims").glob("*.yaml"))
    stated = 0
    for path in claims_files:
        for claim in yamlio.load(path)["claims"]:
            stated += sum(len(v) if isinstance(v, list) else 1 for v in claim["state"].values())
    assert sum(len(c.statements) for c in curation.claims) == stated
    entity_ids = {
        e["id"] for p in (mini_project.data / "entities").glob("*.yaml") for e in yamlio.load(p)
    }
    assert {e.id for e in curation.entities} == entity_ids


def test_wrong_datatype_names_file_line_field_entity_and_range(mini_project: Layout) -> None:
    line = edit(
        mini_project,
        "claims/source-001.yaml",
        "signatureCount: 12000",
        "signatureCount: about twelve thousand",
    )
    (message,) = errors(mini_project)
    assert message.startswith(f"data/claims/source-001.yaml:{line}: state.signatureCount: ")
    assert "nonNegativeInteger" in message and "(entity access-petition)" in message


def test_a_fact_without_locator_or_paraphrase_is_refused(mini_project: Layout) -> None:
    edit(mini_project, "claims/source-001.yaml", "  lines: 3\n", "")
    edit(
        mini_project,
        "claims/source-001.yaml",
        "  says: >-\n    The petition for wider CAR-T access gathered 12,000 signatures.\n",
        "",
    )
    found = errors(mini_project)
    assert any(re.match(r"data/claims/source-001\.yaml:3: lines: is required", m) for m in found)
    assert any(m.startswith("data/claims/source-001.yaml:3: says: is required") for m in found)
    assert all("(entity access-petition)" in m for m in found)


def test_reference_to_an_undefined_entity(mini_project: Layout) -> None:
    line = edit(
        mini_project, "claims/source-000.yaml", "providesTherapy: fixcel", "providesTherapy: nocel"
    )
    (message,) = errors(mini_project)
    assert message.startswith(f"data/claims/source-000.yaml:{line}: state.providesTherapy: ")
    assert "unknown entity 'nocel'" in message and "(entity fixture-hospital)" in message


def test_malformed_yaml_names_file_and_line(mini_project: Layout) -> None:
    line = edit(mini_project, "entities/things.yaml", "  label: fixcel\n", "  label: [fixcel\n")
    # (The file's entities are then unknown, so claims about them fail too: the YAML comes first.)
    message = errors(mini_project)[0]
    found = re.match(r"data/entities/things\.yaml:(\d+): yaml: YAML syntax error", message)
    assert found and line <= int(found.group(1)) <= line + 2


def test_a_copied_source_sentence_is_refused(mini_project: Layout) -> None:
    copied = "The collected cells travel to a factory and come back after three to five weeks."
    line = edit(
        mini_project,
        "claims/source-000.yaml",
        "Making the modified cells away from the hospital takes between three and five weeks.",
        copied,
    )
    (message,) = errors(mini_project)
    assert message.startswith(f"data/claims/source-000.yaml:{line - 1}: says: copies the source")
    assert "(entity stage-manufacturing)" in message


@pytest.mark.parametrize(
    ("file", "old", "new", "rule"),
    [
        ("claims/source-000.yaml", "lines: 7", "lines: 99", "past the end of 000_fixture.txt"),
        ("claims/source-000.yaml", "lines: 7", "lines: 9-7", "first <= last"),
        ("claims/source-001.yaml", "status: unverifiable", "status: doubtful", "is not one of"),
        (
            "claims/source-001.yaml",
            "status: unverifiable",
            "status: verified",
            "needs the URL of the primary record",
        ),
        (
            "claims/source-000.yaml",
            "{min: 3, max: 5, unit: week}",
            "{min: 5, max: 3, unit: week}",
            "min (5) is greater than max (3)",
        ),
        (
            "claims/source-000.yaml",
            "{min: 3, max: 5, unit: week}",
            "{min: 3, max: 5, unit: fortnight}",
            "unknown unit 'fortnight'",
        ),
        ("claims/source-000.yaml", 'date: "2021-03-01"', 'date: "2021-13-01"', "not a valid date"),
        (
            "claims/source-000.yaml",
            "hasIndication: fixture-lymphoma",
            "hasIndication: fixture-hospital",
            "is a Hospital, but hasIndication expects Disease",
        ),
        (
            "claims/source-000.yaml",
            "providesTherapy: fixcel",
            "providesTreatment: fixcel",
            "'providesTreatment' is not a property of the ontology",
        ),
        ("entities/things.yaml", "type: Cancer", "type: Tumour", "'Tumour' is not a class"),
        ("entities/things.yaml", "id: lupus", "id: Lupus", "is not a lower-case slug"),
        ("entities/things.yaml", "id: cd19-car-t-lupus", "id: fixcel", "duplicate id 'fixcel'"),
        ("entities/things.yaml", "  label: fixcel\n", "  lable: fixcel\n", "unknown field"),
        ("sources.yaml", "kind: NewsArticle", "kind: Cancer", "not a kind of SourceDocument"),
        ("sources.yaml", "sha256: ", "sha256: 0", "must be 64 lower-case hex digits"),
    ],
)
def test_each_rule_is_named(mini_project: Layout, file: str, old: str, new: str, rule: str) -> None:
    edit(mini_project, file, old, new)
    found = errors(mini_project)
    assert any(rule in m and m.startswith(f"data/{file}:") for m in found), found


def test_all_errors_are_collected_not_just_the_first(mini_project: Layout) -> None:
    edit(mini_project, "claims/source-000.yaml", "providesTherapy: fixcel", "providesTherapy: x")
    edit(mini_project, "claims/source-001.yaml", "signatureCount: 12000", "signatureCount: -1")
    edit(mini_project, "entities/things.yaml", "type: Cancer", "type: Tumour")
    assert len(errors(mini_project)) >= 3


def test_contradicted_needs_a_note_and_a_record(mini_project: Layout) -> None:
    edit(
        mini_project,
        "claims/source-001.yaml",
        "  status: unverifiable\n  note: >-\n    The article names neither the research group "
        "nor the publication.\n",
        "  status: contradicted\n",
    )
    found = errors(mini_project)
    assert any("note: a contradicted claim needs a note" in m for m in found)
    assert any("record: a contradicted claim needs the URL" in m for m in found)


def test_a_changed_source_document_is_noticed(mini_project: Layout) -> None:
    document = mini_project.root.parent / "shared" / "sources" / "001_fixture.txt"
    document.write_text(document.read_text() + "One more line.\n")
    (message,) = errors(mini_project)
    assert message.startswith("data/sources.yaml:") and "does not match the file" in message


def test_unknown_mapping_subject_and_prefix(mini_project: Layout) -> None:
    edit(mini_project, "mappings/fixture.sssom.tsv", "kg:cd19\t", "kg:cd20\t")
    edit(mini_project, "mappings/fixture.sssom.tsv", "MONDO:0007915", "NOPE:0007915")
    found = errors(mini_project)
    assert any(m.startswith("data/mappings/fixture.sssom.tsv:8: subject_id:") for m in found)
    assert any(m.startswith("data/mappings/fixture.sssom.tsv:9: object_id:") for m in found)


def test_mappings_use_the_project_prefix_map(mini_project: Layout) -> None:
    mappings = {m.object_curie: m for m in load(mini_project).mappings}
    mondo = mappings["MONDO:0007915"]
    assert mondo.object_iri == URIRef("http://purl.obolibrary.org/obo/MONDO_0007915")
    assert mondo.triples()[1][2] == Literal("MONDO:0007915", datatype=XSD.string)


# ---- the YAML files themselves -------------------------------------------------------------


def data_files(project: Layout) -> list[Path]:
    return [project.data / "sources.yaml", *sorted(project.data.glob("*/*.yaml"))]


def test_fixture_files_are_canonical(mini_project: Layout) -> None:
    for path in data_files(mini_project):
        text = path.read_text(encoding="utf-8")
        assert yamlfmt.format_text(text, yamlfmt.file_kind(path)) == text, path


def test_canonical_form_is_stable_and_keeps_section_comments() -> None:
    messy = (
        "claims:\n"
        "# ---- first part\n"
        "- says: A made-up paraphrase, long enough to need folding across more than one line of"
        " the file when it is written back out.\n"
        "  about: x\n"
        "  state: {hasDuration: {unit: week, max: 6, min: 4}, date: '2024-05'}\n"
        "  lines: 3\n"
        "source: s\n"
    )
    once = yamlfmt.format_text(messy, "claims")
    assert once.startswith("source: s\nclaims:\n# ---- first part\n- about: x\n  lines: 3\n")
    assert "hasDuration: {min: 4, max: 6, unit: week}" in once
    assert 'date: "2024-05"' in once
    assert max(map(len, once.splitlines())) <= yamlfmt.WIDTH
    assert yamlfmt.format_text(once, "claims") == once
    assert (
        yamlio.load_text(once)["claims"][0]["says"] == yamlio.load_text(messy)["claims"][0]["says"]
    )


def test_dates_stay_strings_and_lines_are_known() -> None:
    data = yamlio.load_text("- id: x\n  date: 2024-05-01\n  when: 2024\n")
    assert data[0]["date"] == "2024-05-01"
    assert data[0].key_lines == {"id": 1, "date": 2, "when": 3}


def test_sssom_rows_sort_canonically() -> None:
    text = (
        "#a: b\nsubject_id\tpredicate_id\tobject_id\n"
        "kg:z\tskos:exactMatch\tX:1\nkg:a\tskos:exactMatch\tX:2\n"
    )
    assert canonical_tsv(text).splitlines()[2:] == [
        "kg:a\tskos:exactMatch\tX:2",
        "kg:z\tskos:exactMatch\tX:1",
    ]


def test_value_nodes_are_named_by_their_content() -> None:
    a = parse_amount({"min": 4, "max": 6, "unit": "week"})
    assert a.iri() == parse_amount({"max": 6.0, "unit": "week", "min": 4}).iri()
    assert a.iri() != parse_amount({"min": 4, "max": 6, "unit": "month"}).iri()
    assert re.fullmatch(r"https://w3id\.org/cartkg/id/value-[0-9a-f]{12}", str(a.iri()))
