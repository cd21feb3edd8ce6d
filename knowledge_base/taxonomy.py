"""The curriculum taxonomy (countries, topics, modules), a copy of shared/curriculum/taxonomy.yml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge_base.yaml_io import load_yaml


@dataclass(frozen=True)
class Taxonomy:
    """Countries, topics and the module each topic belongs to."""

    countries: dict[str, str]
    topics: dict[str, dict[str, str]]
    modules: dict[str, str]

    def module_of(self, topic: str) -> str | None:
        """The curriculum module id of a topic."""
        return self.topics.get(topic, {}).get("module")


def load_taxonomy(path: Path) -> Taxonomy:
    """Read the taxonomy YAML file."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    return Taxonomy(countries=dict(data["countries"]), topics=dict(data["topics"]), modules=dict(data["modules"]))
