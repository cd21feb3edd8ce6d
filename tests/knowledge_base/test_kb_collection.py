"""The shipped collection: valid, covering every destination and topic, and the contract commands."""

from __future__ import annotations

import json
import subprocess
import sys

from knowledge_base.passages import load_collection
from knowledge_base.taxonomy import load_taxonomy
from core.settings import REPO_ROOT

TAXONOMY = load_taxonomy(REPO_ROOT / "knowledge_base" / "taxonomy.yml")


def safar(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "safar.cli", *argv], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_taxonomy_copy_matches_shared_when_present() -> None:
    shared = REPO_ROOT.parent / "shared" / "curriculum" / "taxonomy.yml"
    if shared.exists():  # the shared folder sits beside the checkout on developers' machines
        assert load_taxonomy(shared) == TAXONOMY


def test_collection_is_valid() -> None:
    coll = load_collection(REPO_ROOT / "knowledge_base" / "content", TAXONOMY)
    assert not coll.errors, "\n".join(p.line() for p in coll.errors[:10])


def test_validate_command_passes() -> None:
    result = safar("kb", "validate")
    assert result.returncode == 0, result.stdout
    assert "0 error(s)" in result.stderr


def test_stats_json_shows_full_coverage() -> None:
    result = safar("kb", "stats", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"passages", "by_country_topic", "by_language"}
    assert data["passages"] == sum(data["by_language"].values())
    per_lang = data["by_country_language_topic"]
    for country in TAXONOMY.countries:
        for topic in TAXONOMY.topics:
            assert per_lang[country]["en"].get(topic, 0) >= 2, (country, topic)
    for language in ("fr", "ar"):
        assert set(per_lang["CA"][language]) == set(TAXONOMY.topics), language
    assert per_lang["general"]["en"]


def test_every_passage_names_an_official_https_source() -> None:
    coll = load_collection(REPO_ROOT / "knowledge_base" / "content", TAXONOMY)
    assert all(p.source.startswith("https://") for p in coll.passages)


def test_collection_is_marked_as_sample_content() -> None:
    readme = (REPO_ROOT / "knowledge_base" / "README.md").read_text()
    assert "Sample content" in readme and "verify" in readme
