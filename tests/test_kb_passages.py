"""Parsing and validating content files: passages, ids, and one clear line per problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge_base.passages import load_collection, slugify, split_heading
from knowledge_base.taxonomy import load_taxonomy
from safar.settings import REPO_ROOT

TAXONOMY = load_taxonomy(REPO_ROOT / "knowledge_base" / "taxonomy.yml")
TODAY = date(2026, 11, 23)
BODY = " ".join(["word"] * 60)
URL = "https://www.example.gov/page"


def write(root: Path, rel: str, front: str, body: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


def front(country: str = "CA", topic: str = "housing", language: str = "en", **extra: str) -> str:
    fields = {
        "country": country, "topic": topic, "language": language, "title": "Housing",
        "sources": f"\n  - {URL}", "last_reviewed": "2026-11-01", "review_every_days": "365", **extra,
    }
    return "\n".join(f"{k}: {v}" for k, v in fields.items() if v != "DROP")


def passage(heading: str, body: str = BODY, source: str = URL) -> str:
    return f"\n## {heading}\n\n{body}\n\nSource: {source}\n"


def test_sections_become_passages_with_stable_ids(tmp_path: Path) -> None:
    write(tmp_path, "CA/en/housing.md", front(), "Intro text is ignored.\n" + passage("Finding a place to rent")
          + passage("Deposits & leases") + "\n### A sub-heading stays inside\n")
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert not coll.problems
    assert [p.id for p in coll.passages] == ["CA/en/housing/finding-a-place-to-rent", "CA/en/housing/deposits-leases"]
    first = coll.passages[0]
    assert first.text == BODY and first.source == URL and first.title == "Housing"
    assert "Sub-heading" not in first.text and "sub-heading" in coll.passages[1].text


def test_slugs_and_anchors() -> None:
    assert slugify("Trouver un logement à louer") == "trouver-un-logement-a-louer"
    assert slugify("Children's school") == "children-s-school"
    assert slugify("العثور على سكن") == ""
    assert split_heading("العثور على سكن {#finding-a-home}") == ("العثور على سكن", "finding-a-home")


def test_norway_is_not_false(tmp_path: Path) -> None:
    # YAML 1.1 reads a bare NO as the boolean false; the loader must not.
    write(tmp_path, "NO/en/housing.md", front(country="NO"), passage("Renting"))
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert not coll.problems and coll.passages[0].country == "NO"


@pytest.mark.parametrize(
    "rel, front_text, body, expected",
    [
        ("CA/en/housing.md", None, passage("A"), "front matter: missing"),
        ("CA/en/housing.md", "country: [CA", passage("A"), "front matter: is not valid YAML"),
        ("CA/en/housing.md", front(title="DROP"), passage("A"), "title: is missing"),
        ("FR/en/housing.md", front(country="FR"), passage("A"), "country: unknown country 'FR'"),
        ("CA/en/weather.md", front(topic="weather"), passage("A"), "topic: unknown topic 'weather'"),
        ("CA/de/housing.md", front(language="de"), passage("A"), "language: unknown language 'de'"),
        ("CA/en/health_care.md", front(), passage("A"), "path: should be content/CA/en/housing.md"),
        ("CA/en/housing.md", front(sources="\n  - http://insecure.example"), passage("A", source="http://insecure.example"),
         "sources: 'http://insecure.example' is not an https:// URL"),
        ("CA/en/housing.md", front(last_reviewed="2027-01-01"), passage("A"), "last_reviewed: 2027-01-01 is in the future"),
        ("CA/en/housing.md", front(last_reviewed="soon"), passage("A"), "last_reviewed: 'soon' is not a date"),
        ("CA/en/housing.md", front(review_every_days="-3"), passage("A"), "review_every_days: -3 is not a positive"),
        ("CA/en/housing.md", front(), "no headings here", "passages: no '## ' headings"),
        ("CA/en/housing.md", front(), passage("A", body="too short"), "passage 'A': has 2 words"),
        ("CA/en/housing.md", front(), f"\n## A\n\n{BODY}\n", "passage 'A': needs exactly one 'Source: https://...' line"),
        ("CA/en/housing.md", front(), passage("A", source="https://other.example/x"), "is not listed in the front matter"),
        ("CA/ar/housing.md", front(language="ar"), passage("السكن"), "heading gives an empty id"),
    ],
)
def test_each_problem_is_one_clear_line(tmp_path: Path, rel: str, front_text: str | None, body: str, expected: str) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body if front_text is None else f"---\n{front_text}\n---\n{body}", encoding="utf-8")
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    lines = [p.line() for p in coll.errors]
    assert len(lines) == 1, lines
    assert expected in lines[0] and rel.split("/")[-1] in lines[0]
    assert "\n" not in lines[0]


def test_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "CA/en/housing.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"---\ncountry: CA\n\xff\xfe---\n")
    assert "is not valid UTF-8" in load_collection(tmp_path, TAXONOMY, TODAY).errors[0].line()


def test_duplicate_ids_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "CA/en/housing.md", front(), passage("Renting") + passage("renting"))
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert len(coll.passages) == 1
    assert "id CA/en/housing/renting is also used in" in coll.errors[0].line()


def test_stale_content_is_a_warning_not_an_error(tmp_path: Path) -> None:
    write(tmp_path, "CA/en/housing.md", front(last_reviewed="2024-01-01", review_every_days="365"), passage("A"))
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert not coll.errors and len(coll.passages) == 1
    assert coll.warnings[0].line().startswith("warning: ") and "stale: reviewed 2024-01-01" in coll.warnings[0].line()


def test_length_outside_the_aim_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "CA/en/housing.md", front(), passage("A", body=" ".join(["w"] * 30)))
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert not coll.errors and "has 30 words; aim for 40-180" in coll.warnings[0].line()
