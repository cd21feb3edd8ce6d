"""Parse the Markdown collection into passages, and report every problem as one clear line."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from knowledge_base.yaml_io import load_yaml

from knowledge_base.taxonomy import Taxonomy

LANGUAGES = frozenset({"en", "fr", "ar", "fa", "uk"})
REQUIRED_FIELDS = ("country", "topic", "language", "title", "sources", "last_reviewed", "review_every_days")
MIN_WORDS, MAX_WORDS = 25, 220  # hard bounds: outside them a passage fails validation
AIM_MIN_WORDS, AIM_MAX_WORDS = 40, 180  # what authors aim for: outside is a warning

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.M)
_ANCHOR = re.compile(r"\s*\{#([a-z0-9][a-z0-9-]*)\}\s*$")
_SOURCE = re.compile(r"^Source:\s*(\S+)\s*$", re.M)


@dataclass(frozen=True)
class Passage:
    """One answerable section of a content file."""

    id: str
    country: str
    language: str
    topic: str
    title: str
    heading: str
    text: str
    source: str
    path: str
    last_reviewed: date
    review_every_days: int

    @property
    def content_hash(self) -> str:
        """Hash of what is embedded, so an index re-embeds only passages that changed."""
        return hashlib.sha256(f"{self.title}\n{self.heading}\n{self.text}".encode()).hexdigest()[:16]

    @property
    def embed_text(self) -> str:
        """The text the retriever indexes: heading and body (the heading names the question)."""
        return f"{self.heading}. {self.text}"

    @property
    def head_text(self) -> str:
        """A short text naming what the passage answers; short questions match it better than the body."""
        return f"{self.title}: {self.heading}"


@dataclass(frozen=True)
class Problem:
    """Something wrong in the collection: where, which field, what."""

    path: str
    field: str
    message: str
    severity: str = "error"

    def line(self) -> str:
        """One line for the operator."""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{self.path}: {self.field}: {self.message}"


@dataclass
class Collection:
    """All passages and all problems found while reading them."""

    passages: list[Passage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that fail validation."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not fail validation."""
        return [p for p in self.problems if p.severity == "warning"]


def slugify(heading: str) -> str:
    """The id slug of a heading: accents removed, lower case, non-alphanumeric runs become '-'."""
    decomposed = unicodedata.normalize("NFKD", heading)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def split_heading(raw: str) -> tuple[str, str]:
    """Split `Heading {#anchor}` into the display heading and its slug."""
    match = _ANCHOR.search(raw)
    if match:
        return raw[: match.start()].strip(), match.group(1)
    return raw.strip(), slugify(raw)


def _word_count(text: str) -> int:
    return len(text.split())


def parse_file(path: Path, root: Path, taxonomy: Taxonomy, today: date) -> tuple[list[Passage], list[Problem]]:
    """Parse one content file into passages and problems; never raises on bad content."""
    rel = os.path.relpath(path)  # as the operator would type it from where they ran the command
    problems: list[Problem] = []

    def problem(fld: str, msg: str, severity: str = "error") -> None:
        problems.append(Problem(rel, fld, msg, severity))

    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problem("file", "is not valid UTF-8; save it as UTF-8")
        return [], problems
    match = _FRONT_MATTER.match(raw)
    if not match:
        problem("front matter", "missing: the file must start with a --- YAML block ---")
        return [], problems
    try:
        meta = load_yaml(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        problem("front matter", f"is not valid YAML{where}")
        return [], problems
    if not isinstance(meta, dict):
        problem("front matter", "must be a YAML mapping of fields")
        return [], problems
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, "", []):
            problem(name, "is missing")
    if any(p.severity == "error" for p in problems):
        return [], problems

    country, topic, language = str(meta["country"]), str(meta["topic"]), str(meta["language"])
    if country != "general" and country not in taxonomy.countries:
        problem("country", f"unknown country {country!r}; use one of {', '.join(taxonomy.countries)} or general")
    if topic not in taxonomy.topics:
        problem("topic", f"unknown topic {topic!r}; see knowledge_base/taxonomy.yml")
    if language not in LANGUAGES:
        problem("language", f"unknown language {language!r}; use one of {', '.join(sorted(LANGUAGES))}")
    expected_parts = (country, language, f"{topic}.md")
    if path.parts[-3:] != expected_parts:
        problem("path", f"should be content/{'/'.join(expected_parts)} to match its front matter")
    sources = meta["sources"] if isinstance(meta["sources"], list) else [meta["sources"]]
    for src in sources:
        if not isinstance(src, str) or not src.startswith("https://"):
            problem("sources", f"{src!r} is not an https:// URL")
    reviewed = meta["last_reviewed"]
    if not isinstance(reviewed, date):
        problem("last_reviewed", f"{reviewed!r} is not a date (YYYY-MM-DD)")
    elif reviewed > today:
        problem("last_reviewed", f"{reviewed.isoformat()} is in the future")
    every = meta["review_every_days"]
    if not isinstance(every, int) or isinstance(every, bool) or every <= 0:
        problem("review_every_days", f"{every!r} is not a positive whole number")
    if problems:
        return [], problems
    assert isinstance(reviewed, date) and isinstance(every, int)
    if (today - reviewed).days > every:
        problem("last_reviewed", f"stale: reviewed {reviewed.isoformat()}, due every {every} days", "warning")

    body = raw[match.end():]
    heads = list(_HEADING.finditer(body))
    if not heads:
        problem("passages", "no '## ' headings, so no passages")
    passages: list[Passage] = []
    for i, head in enumerate(heads):
        heading, slug = split_heading(head.group(1))
        section = body[head.end(): heads[i + 1].start() if i + 1 < len(heads) else len(body)]
        where = f"passage {heading!r}"
        if not slug:
            problem(where, "heading gives an empty id; add an anchor like {#finding-a-flat}")
            continue
        sources_here = _SOURCE.findall(section)
        text = _SOURCE.sub("", section).strip()
        if len(sources_here) != 1:
            problem(where, f"needs exactly one 'Source: https://...' line (found {len(sources_here)})")
            continue
        if sources_here[0] not in sources:
            problem(where, f"source {sources_here[0]} is not listed in the front matter sources")
        words = _word_count(text)
        if not MIN_WORDS <= words <= MAX_WORDS:
            problem(where, f"has {words} words; a passage must have {MIN_WORDS}-{MAX_WORDS} (aim for {AIM_MIN_WORDS}-{AIM_MAX_WORDS})")
        elif not AIM_MIN_WORDS <= words <= AIM_MAX_WORDS:
            problem(where, f"has {words} words; aim for {AIM_MIN_WORDS}-{AIM_MAX_WORDS}", "warning")
        passages.append(
            Passage(
                id=f"{country}/{language}/{topic}/{slug}", country=country, language=language, topic=topic,
                title=str(meta["title"]), heading=heading, text=text, source=sources_here[0], path=rel,
                last_reviewed=reviewed, review_every_days=every,
            )
        )
    return passages, problems


def load_collection(root: Path, taxonomy: Taxonomy, today: date | None = None) -> Collection:
    """Read every `*.md` under `root` (README files excepted) into one collection."""
    today = today or date.today()
    collection = Collection()
    if not root.is_dir():
        collection.problems.append(Problem(str(root), "folder", "does not exist; set SAFAR_KB_DIR"))
        return collection
    seen: dict[str, str] = {}
    for path in sorted(root.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        passages, problems = parse_file(path, root, taxonomy, today)
        collection.problems.extend(problems)
        for passage in passages:
            if passage.id in seen:
                collection.problems.append(
                    Problem(passage.path, f"passage {passage.heading!r}", f"id {passage.id} is also used in {seen[passage.id]}")
                )
                continue
            seen[passage.id] = passage.path
            collection.passages.append(passage)
    return collection


def stats(passages: list[Passage]) -> dict[str, object]:
    """Counts for `safar kb stats --json`."""
    by_country_topic: dict[str, dict[str, int]] = {}
    by_language: dict[str, int] = {}
    for p in passages:
        topics = by_country_topic.setdefault(p.country, {})
        topics[p.topic] = topics.get(p.topic, 0) + 1
        by_language[p.language] = by_language.get(p.language, 0) + 1
    by_country_language_topic: dict[str, dict[str, dict[str, int]]] = {}
    for p in passages:
        lang = by_country_language_topic.setdefault(p.country, {}).setdefault(p.language, {})
        lang[p.topic] = lang.get(p.topic, 0) + 1
    return {
        "passages": len(passages),
        "by_country_topic": {c: dict(sorted(t.items())) for c, t in sorted(by_country_topic.items())},
        "by_language": dict(sorted(by_language.items())),
        "by_country_language_topic": by_country_language_topic,
    }
