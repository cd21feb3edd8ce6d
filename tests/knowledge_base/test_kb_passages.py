"""Parsing and validating content files: passages, ids, and one clear line per problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge_base.passages import load_collection, slugify, split_heading
from knowledge_base.taxonomy import load_taxonomy
from core.settings import REPO_ROOT

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
        "sources": f"\n  - {URL}", "status": "sample", "written": "2026-11-01", "review_every_days": "365", **extra,
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
        ("CA/en/housing.md", front(written="2027-01-01"), passage("A"), "written: 2027-01-01 is in the future"),
        ("CA/en/housing.md", front(written="soon"), passage("A"), "written: 'soon' is not a date"),
        ("CA/en/housing.md", front(status="draft"), passage("A"), "status: 'draft' is not one of sample, reviewed"),
        ("CA/en/housing.md", front(status="reviewed"), passage("A"), "reviewed content needs `reviewed` (date) and `reviewed_by`"),
        ("CA/en/housing.md", front(passages="\n  other-slug:\n    questions: [x]"), passage("A"), "passages.other-slug: names no passage"),
        ("CA/en/housing.md", front(passages="\n  a:\n    questions: hello"), passage("A"), "passages.a.questions: must be a list"),
        ("CA/en/housing.md", front(passages="\n  a:\n    asked_by: [x]"), passage("A"), "passages.a.asked_by: unknown field"),
        ("CA/fa/housing.md", front(language="fa", passages="\n  a:\n    translation_of: CA/en/housing/missing"),
         passage("خانه {#a}"), "translation_of CA/en/housing/missing names no passage"),
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
    write(tmp_path, "CA/en/housing.md", front(written="2024-01-01", review_every_days="365"), passage("A"))
    write(tmp_path, "CA/en/health_care.md", front(topic="health_care", status="reviewed", written="2023-01-01",
                                                   reviewed="2025-01-01", reviewed_by="'A. Team, curriculum'"), passage("B"))
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert not coll.errors and len(coll.passages) == 2
    lines = sorted(w.line() for w in coll.warnings)
    assert all(line.startswith("warning: ") for line in lines)
    assert "stale: reviewed 2025-01-01" in lines[0] and "stale: written 2024-01-01" in lines[1]
    reviewed = next(p for p in coll.passages if p.topic == "health_care")
    assert not reviewed.is_sample and reviewed.reviewed_by == "A. Team, curriculum" and str(reviewed.review_due) == "2026-01-01"


def _translation_pair(tmp_path: Path, english_body: str = BODY, stamp: str | None = None) -> Path:
    write(tmp_path, "DE/en/housing.md", front(country="DE", passages="\n  renting:\n    questions:\n      - flat how find\n      - 'wohnung: where'"),
          passage("Renting", body=english_body))
    stamp_line = f"\n    source_hash: {stamp}" if stamp else ""
    return write(tmp_path, "DE/fa/housing.md",
                 front(country="DE", language="fa", passages=f"\n  renting:\n    translation_of: DE/en/housing/renting{stamp_line}"),
                 passage("کرایه خانه {#renting}"))


def test_questions_and_translation_links_are_read(tmp_path: Path) -> None:
    _translation_pair(tmp_path)
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert not coll.errors
    en, fa = sorted(coll.passages, key=lambda p: p.language)
    assert en.questions == ("flat how find", "wohnung: where") and fa.translation_of == en.id
    assert "not stamped against DE/en/housing/renting" in coll.warnings[0].line()


def test_a_translation_whose_source_changed_is_flagged(tmp_path: Path) -> None:
    english = load_collection(_translation_pair(tmp_path).parent.parent.parent, TAXONOMY, TODAY).passages
    source_hash = next(p for p in english if p.language == "en").content_hash
    _translation_pair(tmp_path, stamp=source_hash)
    assert not load_collection(tmp_path, TAXONOMY, TODAY).problems  # stamped and unchanged: clean
    _translation_pair(tmp_path, english_body=BODY + " changed", stamp=source_hash)
    warnings = [w.line() for w in load_collection(tmp_path, TAXONOMY, TODAY).warnings]
    assert len(warnings) == 1 and "source changed since translation: DE/en/housing/renting was edited" in warnings[0]


def test_length_outside_the_aim_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "CA/en/housing.md", front(), passage("A", body=" ".join(["w"] * 30)))
    coll = load_collection(tmp_path, TAXONOMY, TODAY)
    assert not coll.errors and "has 30 words; aim for 40-180" in coll.warnings[0].line()


def test_stamp_records_the_source_version_and_clears_the_flag(tmp_path: Path) -> None:
    from knowledge_base.stamp import stamp_translations

    fa_file = _translation_pair(tmp_path)
    stamped = stamp_translations(load_collection(tmp_path, TAXONOMY, TODAY).passages)
    assert stamped == ["DE/fa/housing/renting"] and "source_hash: " in fa_file.read_text(encoding="utf-8")
    assert not load_collection(tmp_path, TAXONOMY, TODAY).problems
    english = tmp_path / "DE/en/housing.md"
    english.write_text(english.read_text(encoding="utf-8").replace(BODY, BODY + " more"), encoding="utf-8")
    assert "source changed" in load_collection(tmp_path, TAXONOMY, TODAY).warnings[0].line()
    assert stamp_translations(load_collection(tmp_path, TAXONOMY, TODAY).passages) == []  # a stale one needs the file named
    assert stamp_translations(load_collection(tmp_path, TAXONOMY, TODAY).passages, {str(fa_file)}) == ["DE/fa/housing/renting"]
    assert not load_collection(tmp_path, TAXONOMY, TODAY).problems
