"""The retriever: filters, language fallback, incremental builds, model identity, and the gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.passages import load_collection
from knowledge_base.taxonomy import load_taxonomy
from retrieval.evaluation import search_outcomes, search_report, gate_report, load_questions, run_method
from retrieval.gate import Gate
from retrieval.index import IndexMissing, IndexModelMismatch, build_index, load_index, read_manifest
from retrieval.retriever import Retriever
from core.settings import REPO_ROOT

TAXONOMY = load_taxonomy(REPO_ROOT / "knowledge_base" / "taxonomy.yml")
CONTENT = REPO_ROOT / "knowledge_base" / "content"


@pytest.fixture(scope="module")
def small_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of part of the real collection: housing for CA (en, fr) and DE (en), plus general."""
    root = tmp_path_factory.mktemp("content")
    for rel in ("CA/en/housing.md", "CA/fr/housing.md", "DE/en/housing.md", "DE/en/health_care.md",
                "general/en/mental_health.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CONTENT / rel, root / rel)
    return root


@pytest.fixture(scope="module")
def small_retriever(small_content: Path, embedder, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    index_dir = tmp_path_factory.mktemp("index")
    passages = load_collection(small_content, TAXONOMY).passages
    build_index(passages, index_dir, model_id=embedder.model_id, encode=embedder.encode)
    return Retriever(load_index(index_dir, model_id=embedder.model_id), embedder, Gate.load())


def test_results_are_filtered_to_destination_and_general(small_retriever: Retriever) -> None:
    result = small_retriever.search("how do I rent a flat and pay the deposit", "DE", "en", k=10)
    assert result.hits
    assert {h.passage.country for h in result.hits} <= {"DE", "general"}
    assert result.hits[0].passage.country == "DE" and result.hits[0].passage.topic == "housing"
    ca = small_retriever.search("how do I rent a flat and pay the deposit", "CA", "en", k=10)
    assert {h.passage.country for h in ca.hits} <= {"CA", "general"}


def test_general_content_serves_every_destination(small_retriever: Retriever) -> None:
    result = small_retriever.search("I feel homesick and sad, culture shock", "DE", "en", k=3)
    assert result.hits[0].passage.country == "general"


def test_user_language_first(small_retriever: Retriever) -> None:
    result = small_retriever.search("comment trouver un logement à louer", "CA", "fr", k=3)
    assert result.language == "fr" and result.fell_back_from is None
    assert all(h.passage.language == "fr" for h in result.hits)


def test_falls_back_to_english_and_says_so(small_retriever: Retriever) -> None:
    # There is no French content for Germany: the answer comes from English content.
    result = small_retriever.search("how do I find a flat to rent", "DE", "fr", k=3)
    assert result.language == "en" and result.fell_back_from == "fr"
    assert result.languages_tried == ["en"]
    assert all(h.passage.language == "en" for h in result.hits)


def test_incremental_rebuild_embeds_only_changed_passages(small_content: Path, embedder, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(small_content, content)
    index_dir = tmp_path / "index"
    calls: list[int] = []

    def counting_encode(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return embedder.encode(texts)

    passages = load_collection(content, TAXONOMY).passages
    first = build_index(passages, index_dir, model_id=embedder.model_id, encode=counting_encode)
    assert first.embedded == len(passages) and first.reused == 0
    again = build_index(passages, index_dir, model_id=embedder.model_id, encode=counting_encode)
    assert again.embedded == 0 and len(calls) == 1  # nothing re-encoded
    path = content / "DE/en/housing.md"
    path.write_text(path.read_text().replace("## ", "## Renting: ", 1))
    changed = load_collection(content, TAXONOMY).passages
    third = build_index(changed, index_dir, model_id=embedder.model_id, encode=counting_encode)
    assert third.embedded == 1 and third.reused == len(passages) - 1
    assert calls[-1] == 2  # one passage: its body and its heading vector
    loaded = load_index(index_dir, model_id=embedder.model_id)
    assert [p.id for p in loaded.passages] == [p.id for p in changed]
    manifest = read_manifest(index_dir)
    assert manifest and manifest["model"] == embedder.model_id and manifest["built_at"] and manifest["content_hash"]


def test_refuses_an_index_built_with_another_model(small_content: Path, embedder, tmp_path: Path) -> None:
    passages = load_collection(small_content, TAXONOMY).passages[:2]
    build_index(passages, tmp_path, model_id="some-other-model:123", encode=embedder.encode)
    with pytest.raises(IndexModelMismatch, match="built with model 'some-other-model:123'.*safar kb build"):
        load_index(tmp_path, model_id=embedder.model_id)


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="run `safar kb build`"):
        load_index(tmp_path, model_id="x")


def test_quality_on_the_labelled_set(full_retriever: Retriever) -> None:
    """The figures docs/benchmarks.md reports, held as floors a little under them so a regression fails the build."""
    questions = load_questions()
    hybrid = run_method(full_retriever, questions, "hybrid")
    bm25 = run_method(full_retriever, questions, "bm25")
    dense = run_method(full_retriever, questions, "dense")
    # measured 0.964 over en, fr, ar, fa, uk with every English passage translated (0.909 before session 7)
    assert hybrid.hit3 >= 0.94
    for lang, floor in {"fa": 0.95, "uk": 0.96, "ar": 0.89}.items():  # measured 0.986, 0.995, 0.918
        native = [o for o in hybrid.outcomes if o.question.language == lang and o.question.covered]
        assert sum(1 for o in native if o.rank is not None and o.rank <= 3) / len(native) >= floor, lang
    assert hybrid.hit1 > max(bm25.hit1, dense.hit1)
    english = run_method(full_retriever, [q for q in questions if q.language == "en"], "hybrid")
    assert english.hit3 >= 0.94 and english.hit1 >= 0.85
    gate = gate_report(full_retriever.gate, hybrid.outcomes)
    assert gate.abstained_uncovered >= 0.85
    assert gate.correct_when_answered >= 0.93


def test_what_people_get_on_the_held_out_half(full_retriever: Retriever) -> None:
    """End to end, three outcomes, per language, on questions never fitted (floors under docs/benchmarks.md)."""
    questions = [q for q in load_questions() if q.split == "test"]
    results = search_outcomes(full_retriever, questions)
    # Right answered or offered; measured en 0.899, fr 0.692, ar 0.685, fa 0.856, uk 0.809 (docs/benchmarks.md,
    # session 8: the gate also weighs word rarity, stems and closeness to the content's own questions).
    floors = {"en": 0.86, "fr": 0.62, "ar": 0.64, "fa": 0.82, "uk": 0.77}
    for lang, floor in floors.items():
        report = search_report(full_retriever, [(q, r) for q, r in results if q.language == lang])
        assert report.right_or_offered >= floor, (lang, report)
        assert report.answered_wrong <= 0.06, (lang, report)  # measured at most 0.040 (ar, 5 of 124)
    english = search_report(full_retriever, [(q, r) for q, r in results if q.language == "en"])
    # Held back fell from 0.815 (session 7): more uncovered English questions get choices (a cat on the plane).
    assert english.answered_right >= 0.70 and english.held_back_uncovered >= 0.70, english  # measured 0.729, 0.741
    dari = search_report(full_retriever, [(q, r) for q, r in results if q.language == "fa"])
    assert dari.answered_right >= 0.58 and dari.held_back_uncovered >= 0.72, dari  # measured 0.625, 0.767
    ukrainian = search_report(full_retriever, [(q, r) for q, r in results if q.language == "uk"])
    assert ukrainian.held_back_uncovered >= 0.8, ukrainian  # measured 0.840


def test_gate_separates_covered_from_uncovered(full_retriever: Retriever) -> None:
    covered = full_retriever.search("how do I get my provincial health insurance card", "CA", "en")
    uncovered = full_retriever.search("who won the football world cup", "CA", "en")
    assert covered.confident and covered.hits[0].passage.topic == "health_care"
    assert not uncovered.confident
    assert covered.confidence > uncovered.confidence


def test_persian_and_ukrainian_spellings_meet() -> None:
    from retrieval.tokenize import tokenize

    # Zero-width non-joiner, a space or nothing between the parts; Persian, Arabic-Indic or ASCII digits.
    assert tokenize("می‌خواهم", "fa") == tokenize("میخواهم", "fa")
    assert tokenize("شماره ۱۱۲", "fa") == tokenize("شماره 112", "fa") == tokenize("شماره ١١٢", "fa")
    assert tokenize("сім'я", "uk") == tokenize("сім’я", "uk") == tokenize("сімʼя", "uk")
    assert tokenize("كيف", "fa") == tokenize("کیف", "fa")  # Arabic and Persian kaf and yeh


def test_misspelled_english_is_corrected_toward_the_content(full_retriever: Retriever) -> None:
    fixed = full_retriever.speller.correct("helth insurence in germny, jobcentre")
    assert fixed == "health insurance in germany, jobcenter"
    result = full_retriever.search("how do i get helth insurence card", "CA", "en")
    assert result.hits[0].passage.topic == "health_care"


def test_stop_words_are_matched_after_folding() -> None:
    from retrieval.tokenize import tokenize

    # Persian ی/ک and Arabic hamza or final ى are folded in the text; the stop lists must be too.
    assert tokenize("آیا این برای کجا", "fa") == []
    assert tokenize("على إلى أين متى", "ar") == []
    assert tokenize("шо можна мені", "uk") == []
    assert tokenize("آیا کار", "fa") == tokenize("کار", "fa") != []


def test_the_choices_model_falls_back_to_the_answer_model(tmp_path: Path) -> None:
    from retrieval.gate import FEATURES, GateFeatures

    features = GateFeatures(dense_top=0.6, dense_max=0.6, dense_margin=0.1, bm25_top=0.5, coverage=0.8, agree=1.0,
                            english=1.0, topic_agree=1.0)
    n = len(FEATURES)
    old = Gate(weights=[1.0] * n, bias=-4.0)
    assert old.choices_probability(features) == old.probability(features)
    two = Gate(weights=[1.0] * n, bias=-4.0, suggest_weights=[0.0] * 14 + [2.0] + [0.0] * (n - 15), suggest_bias=0.0)
    two.save(tmp_path / "gate.json")
    loaded = Gate.load(tmp_path / "gate.json")
    assert loaded.choices_probability(features) == pytest.approx(0.5)  # dense_top3 is 0 here: only the bias counts
    assert loaded.probability(features) == pytest.approx(old.probability(features))


def test_a_calibration_from_before_the_choices_model_still_loads(tmp_path: Path) -> None:
    import json

    path = tmp_path / "gate.json"
    path.write_text(json.dumps({"features": ["dense_top", "coverage"], "weights": [2.0, 3.0], "bias": -1.0,
                                "threshold": 0.7, "suggest_threshold": 0.4}))
    gate = Gate.load(path)
    assert gate.suggest_weights is None and gate.weights[:5] == [2.0, 0.0, 0.0, 0.0, 3.0]


def test_a_subject_the_content_does_not_know_weighs_more_than_everyday_words(full_retriever: Retriever) -> None:
    rows = full_retriever.allowed_rows("CA", "en")
    _, known = full_retriever.rank("how do i get a driving licence", rows, "en")
    _, unknown = full_retriever.rank("how do i get a parrot licence", rows, "en")
    assert known is not None and unknown is not None
    # Both share "licence" with the driving-licence passage; only the second has a word no passage uses.
    assert known.idf_coverage > 0.9 and known.unknown_words == 0.0 and known.missing_weight == 0.0
    assert unknown.idf_coverage < 0.5 and unknown.unknown_words > 0.0 and unknown.missing_weight > 0.8


def test_a_question_spelled_like_the_contents_own_is_close(full_retriever: Retriever) -> None:
    from knowledge_base.passages import Passage

    passage: Passage = next(p for p in full_retriever.passages if p.language == "uk" and p.country == "NO"
                            and p.topic == "housing" and p.questions)
    rows = full_retriever.allowed_rows("NO", "uk")
    row = full_retriever.passages.index(passage)
    # The passage's own question with a dropped letter and the Russian-influenced "шо" for "що".
    typed = passage.questions[0].replace("що", "шо")[:-2]
    close = full_retriever.question_matcher.closeness(typed, "uk", rows)
    assert max(close, key=close.__getitem__) == row and close[row] > 0.7
    far = full_retriever.question_matcher.closeness("скільки коштує виклик сантехніка в осло", "uk", rows)
    assert max(far.values()) < close[row]
    # Stems meet across Ukrainian word endings: "квартиру" and "квартири".
    _, features = full_retriever.rank("квартиру знайти", rows, "uk")
    assert features is not None and features.stem_coverage3 == 1.0


def test_british_and_american_english_meet() -> None:
    from retrieval.tokenize import tokenize

    assert tokenize("driving licence", "en") == tokenize("driving license", "en")
    assert tokenize("find a flat", "en") == tokenize("find an apartment", "en")
    assert tokenize("recognised qualifications", "en") == tokenize("recognized qualifications", "en")
    assert tokenize("neighbours", "en") == tokenize("neighbors", "en")
    assert tokenize("organise", "en") != tokenize("advise", "en")  # only known -ise roots change
