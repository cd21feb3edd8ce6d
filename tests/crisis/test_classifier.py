"""The crisis reader: trained from the NLU examples, deterministic, saved without pickle, retrained when they change."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from crisis.classifier import THRESHOLD, CrisisClassifier, examples, fingerprint, reader_for
from crisis.detector import CrisisDetector
from core.settings import Settings

# Latin-letter Dari ("I cannot bear it any more, I want to kill myself"): no pattern spells it this way.
UNSPELLED = "man dige tahamol nadaram, mikham khodamo bekosham"


@pytest.fixture(scope="module")
def reader() -> CrisisClassifier:
    settings = Settings()
    return reader_for(settings)


def test_examples_are_read_with_their_labels_and_without_entity_markup(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: crisis\n  examples: |\n    - he hits me\n'
                                    '- intent: ask_info\n  examples: |\n    - rent in [Berlin](city)\n'
                                    '    - tax in [Germany]{"entity": "country"}\n', encoding="utf-8")
    assert examples(tmp_path) == (["he hits me", "rent in Berlin", "tax in Germany"], [1, 0, 0])


def test_the_reader_catches_what_no_pattern_spells_and_leaves_ordinary_questions(reader: CrisisClassifier) -> None:
    patterns_only = CrisisDetector.load()
    both = CrisisDetector.load(reader=reader)
    assert not patterns_only.matches(UNSPELLED)
    assert reader.probability(UNSPELLED) >= THRESHOLD
    assert both.match(UNSPELLED) is not None and both.match(UNSPELLED).language == "reader"  # type: ignore[union-attr]
    for ordinary in ("how do I rent a flat", "what is the emergency number in Canada", "my phone died at the airport"):
        assert not both.matches(ordinary), ordinary


def test_training_is_deterministic_and_the_saved_file_holds_no_code(tmp_path: Path) -> None:
    texts, labels = examples(Settings().nlu_data_dir)
    one = CrisisClassifier.train(texts, labels, "x")
    two = CrisisClassifier.train(texts, labels, "x")
    assert np.array_equal(one.coef, two.coef) and one.bias == two.bias
    one.save(tmp_path / "r.npz")
    with np.load(tmp_path / "r.npz", allow_pickle=False) as data:  # would raise on pickled objects
        assert set(data.files) == {"idf", "coef", "bias", "fingerprint"}
    back = CrisisClassifier.load(tmp_path / "r.npz")
    assert back.probability(UNSPELLED) == pytest.approx(one.probability(UNSPELLED), abs=1e-6)


def test_ready_retrains_when_the_examples_change_or_the_file_is_damaged(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu"
    shutil.copytree(Settings().nlu_data_dir, nlu)
    path = tmp_path / "var" / "reader.npz"
    first = CrisisClassifier.ready(nlu, path)
    assert path.exists() and first.fingerprint == fingerprint(nlu)
    with (nlu / "nlu_en.yml").open("a", encoding="utf-8") as f:
        f.write("\n- intent: crisis\n  examples: |\n    - the blue door hurts me every night\n")
    second = CrisisClassifier.ready(nlu, path)
    assert second.fingerprint == fingerprint(nlu) != first.fingerprint
    assert CrisisClassifier.load(path).fingerprint == second.fingerprint
    path.write_bytes(b"not numpy")
    assert CrisisClassifier.ready(nlu, path).fingerprint == fingerprint(nlu)


def test_unsure_is_the_band_between_gentle_and_the_threshold(reader: CrisisClassifier) -> None:
    both = CrisisDetector.load(reader=reader)
    assert both.unsure("i feel so tired of everything here")  # 0.62: answered, with the emergency number
    assert not both.unsure("how do i rent a flat") and not both.unsure(UNSPELLED)  # ordinary; a crisis outright
    assert not CrisisDetector.load().unsure("i feel so tired of everything here")  # no reader, no band
