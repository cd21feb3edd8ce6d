"""The glossary bridge: Dari, Ukrainian and Arabic questions read in English through a written glossary."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval.glossary import FOLDER, Glossary, glossary_for
from retrieval.retriever import Retriever

SMALL = "\n".join([
    "# comment",
    "квартира\tapartment",
    "медична страховка\thealth insurance",
    "знайти\tfind",
    "help\tstudent loan",  # the Australian HELP loan, as an Arabizi-style Latin entry
    "kvartyra\tapartment",
])


def test_phrases_stems_and_latin_words() -> None:
    g = Glossary.parse("uk", SMALL)
    # Inflected forms meet their entry through the stem; a two-word phrase wins over its words.
    assert g.gloss("Знайти квартиру, медичну страховку").text == "find apartment health insurance"
    # Latin transliteration is looked up; a common English word is English, whatever the glossary says;
    # an unknown Latin word (a destination term) is kept as written.
    assert g.gloss("kvartyra help Jobcenter").text == "apartment help jobcenter"
    gloss = g.gloss("знайти щось незнайоме")
    assert gloss.text == "find" and gloss.known == pytest.approx(1 / 3)


@pytest.mark.parametrize("language", ["fa", "uk", "ar"])
def test_shipped_glossaries_are_well_formed(language: str) -> None:
    lines = (FOLDER / f"{language}.tsv").read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    assert all(line.count("\t") == 1 and all(part.strip() for part in line.split("\t")) for line in entries)
    terms = [line.split("\t")[0] for line in entries]
    assert len(terms) == len(set(terms)) and len(terms) > 5000
    assert lines[0].startswith("#") and "sample, not reviewed" in "\n".join(lines[:8])


@pytest.mark.parametrize(("language", "question", "words"), [
    ("fa", "داکتر اطفال را کجا پیدا کنم", {"doctor", "children", "where"}),
    ("fa", "کرایه خانه در تورنتو چقدر است", {"rent", "toronto"}),
    ("uk", "де знайти квартиру в оренду", {"where", "find", "apartment", "rent"}),
    ("ar", "وين بلاقي شقة للايجار", {"where", "apartment", "rent"}),
])
def test_how_people_write_is_read(language: str, question: str, words: set[str]) -> None:
    glossary = glossary_for(language)
    assert glossary is not None
    assert words <= set(glossary.gloss(question).text.split())


def test_the_bridge_reaches_passages_through_their_english_source(full_retriever: Retriever) -> None:
    rows = full_retriever.allowed_rows("DE", "uk")
    ranked, cos = full_retriever._bridge("де знайти квартиру в оренду", "uk", rows, 5)
    first = full_retriever.passages[ranked[0]]
    assert first.language == "uk" and first.translation_of and first.topic == "housing"
    # Every passage it scores is a Ukrainian translation for Germany or everyone.
    assert all(full_retriever.passages[r].translation_of for r in cos)
    assert set(cos) <= set(rows.tolist())
    # A question with no word the glossary knows gives no bridge ranking at all (BM25 still runs).
    assert full_retriever._bridge("ґґґ ззз", "uk", rows, 5) == ([], {})


def test_english_only_content_is_offered_through_the_gloss_never_answered(full_retriever: Retriever,
                                                                           tmp_path: Path) -> None:
    # Every English passage has a Ukrainian translation now, so this builds an index of Norway's
    # content without the Ukrainian one on alcohol and drugs (reusing the built index's vectors): the
    # English fallback must find the English passage through the question's gloss, and only offer it.
    from core.settings import Settings
    from knowledge_base.passages import load_collection
    from knowledge_base.taxonomy import load_taxonomy
    from retrieval.index import build_index, load_index

    settings = Settings()
    missing = "NO/en/laws_and_rights/alcohol-drugs-and-the-law"
    passages = [p for p in load_collection(settings.kb_dir, load_taxonomy(settings.taxonomy_path)).passages
                if p.country == "NO" and p.language in ("en", "uk") and p.translation_of != missing]
    for name in ("manifest.json", "embeddings.npy"):  # the vector cache: nothing is embedded again
        shutil.copy(settings.index_dir / name, tmp_path / name)

    def no_new_embeddings(texts: list[str]) -> np.ndarray:
        raise AssertionError(f"{len(texts)} texts were not in the built index")

    build_index(passages, tmp_path, model_id=full_retriever.embedder.model_id, encode=no_new_embeddings)
    retriever = Retriever(load_index(tmp_path, model_id=full_retriever.embedder.model_id), full_retriever.embedder,
                          full_retriever.gate)
    result = retriever.search("чи легальний канабіс у Норвегії", "NO", "uk", k=3)
    assert result.outcome == "suggest" and not result.confident
    assert result.fell_back_from == "uk"
    assert result.choices()[0].passage.id == missing
