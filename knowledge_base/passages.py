"""Parse the Markdown collection into passages, and report every problem as one clear line."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from pathlib import Path

import yaml

from core.vocabulary import LANGUAGES
from knowledge_base.yaml_io import load_yaml

from knowledge_base.taxonomy import Taxonomy

REQUIRED_FIELDS = ("country", "topic", "language", "title", "sources", "status", "written", "review_every_days")
STATUSES = ("sample", "reviewed")  # sample until a curriculum team signs it off
PASSAGE_FIELDS = frozenset({"questions", "translation_of", "source_hash", "status", "written", "reviewed", "reviewed_by"})
MAX_QUESTIONS, MAX_QUESTION_CHARS = 12, 200
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
    status: str
    written: date
    review_every_days: int
    reviewed: date | None = None
    reviewed_by: str | None = None
    questions: tuple[str, ...] = ()
    translation_of: str | None = None
    source_hash: str | None = None

    @property
    def content_hash(self) -> str:
        """Hash of what is embedded, so an index re-embeds only passages that changed."""
        return hashlib.sha256(f"{self.title}\n{self.heading}\n{self.text}".encode()).hexdigest()[:16]

    @property
    def last_checked(self) -> date:
        """When a person last vouched for the text: the review date, else the writing date."""
        return self.reviewed or self.written

    @property
    def review_due(self) -> date:
        """The date by which the passage should be checked again."""
        return self.last_checked + timedelta(days=self.review_every_days)

    @property
    def is_sample(self) -> bool:
        """True until a curriculum team has reviewed the passage."""
        return self.status != "reviewed"

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
    every = meta["review_every_days"]
    if not isinstance(every, int) or isinstance(every, bool) or every <= 0:
        problem("review_every_days", f"{every!r} is not a positive whole number")
    file_review = _review_fields(meta, today, problem, where="")
    per_passage = meta.get("passages") or {}
    if not isinstance(per_passage, dict):
        problem("passages", "must map each passage's slug to its fields (questions, translation_of, ...)")
        per_passage = {}
    if problems:
        return [], problems
    assert isinstance(every, int) and file_review is not None

    body = raw[match.end():]
    heads = list(_HEADING.finditer(body))
    if not heads:
        problem("passages", "no '## ' headings, so no passages")
    passages: list[Passage] = []
    slugs_seen: set[str] = set()
    for i, head in enumerate(heads):
        heading, slug = split_heading(head.group(1))
        section = body[head.end(): heads[i + 1].start() if i + 1 < len(heads) else len(body)]
        where = f"passage {heading!r}"
        if not slug:
            problem(where, "heading gives an empty id; add an anchor like {#finding-a-flat}")
            continue
        slugs_seen.add(slug)
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
        extra = per_passage.get(slug) or {}
        if not isinstance(extra, dict):
            problem(f"passages.{slug}", "must be a mapping (questions, translation_of, ...)")
            extra = {}
        fields = _passage_fields(extra, slug, today, problem)
        review = _review_fields({**meta, **extra}, today, problem, where=f"passages.{slug}.") if set(extra) & {
            "status", "written", "reviewed", "reviewed_by"} else file_review
        if review is None:
            continue
        status, written, reviewed, reviewed_by = review
        if status != "reviewed" and (today - written).days > every:
            problem(where, f"stale: written {written.isoformat()}, due for review every {every} days", "warning")
        elif reviewed and (today - reviewed).days > every:
            problem(where, f"stale: reviewed {reviewed.isoformat()}, due every {every} days", "warning")
        passages.append(
            Passage(
                id=f"{country}/{language}/{topic}/{slug}", country=country, language=language, topic=topic,
                title=str(meta["title"]), heading=heading, text=text, source=sources_here[0], path=rel,
                status=status, written=written, review_every_days=every, reviewed=reviewed, reviewed_by=reviewed_by,
                **fields,
            )
        )
    for slug in per_passage:
        if slug not in slugs_seen:
            problem(f"passages.{slug}", "names no passage of this file (check the heading's slug or {#anchor})")
    return passages, problems


def _review_fields(
    meta: dict[str, Any], today: date, problem: Any, where: str
) -> tuple[str, date, date | None, str | None] | None:
    """Status, written and review fields, checked; None when one is wrong (a problem is recorded)."""
    ok = True
    status, written = meta.get("status"), meta.get("written")
    reviewed, reviewed_by = meta.get("reviewed"), meta.get("reviewed_by")
    if status not in STATUSES:
        problem(f"{where}status", f"{status!r} is not one of {', '.join(STATUSES)}")
        ok = False
    for name, value in (("written", written), ("reviewed", reviewed)):
        if value is None and name == "reviewed":
            continue
        if not isinstance(value, date):
            problem(f"{where}{name}", f"{value!r} is not a date (YYYY-MM-DD)")
            ok = False
        elif value > today:
            problem(f"{where}{name}", f"{value.isoformat()} is in the future")
            ok = False
    if status == "reviewed" and (reviewed is None or not reviewed_by):
        problem(f"{where}status", "reviewed content needs `reviewed` (date) and `reviewed_by` (who)")
        ok = False
    if status == "sample" and reviewed is not None:
        problem(f"{where}reviewed", "is set but status is sample; set status: reviewed or remove it")
        ok = False
    if not ok:
        return None
    assert isinstance(status, str) and isinstance(written, date)
    return status, written, reviewed if isinstance(reviewed, date) else None, str(reviewed_by) if reviewed_by else None


def _passage_fields(extra: dict[str, Any], slug: str, today: date, problem: Any) -> dict[str, Any]:
    """The per-passage `questions`, `translation_of` and `source_hash`, checked."""
    for key in extra:
        if key not in PASSAGE_FIELDS:
            problem(f"passages.{slug}.{key}", f"unknown field; use {', '.join(sorted(PASSAGE_FIELDS))}")
    questions = extra.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        problem(f"passages.{slug}.questions", "must be a list of non-empty texts")
        questions = []
    if len(questions) > MAX_QUESTIONS:
        problem(f"passages.{slug}.questions", f"has {len(questions)}; keep at most {MAX_QUESTIONS}")
    for q in questions:
        if len(q) > MAX_QUESTION_CHARS:
            problem(f"passages.{slug}.questions", f"{q[:40]!r}... is over {MAX_QUESTION_CHARS} characters")
    translation_of = extra.get("translation_of")
    if translation_of is not None and not (isinstance(translation_of, str) and translation_of.count("/") == 3):
        problem(f"passages.{slug}.translation_of", f"{translation_of!r} is not a passage id COUNTRY/lang/topic/slug")
        translation_of = None
    source_hash = extra.get("source_hash")
    return {
        "questions": tuple(q.strip() for q in questions),
        "translation_of": translation_of,
        "source_hash": str(source_hash) if source_hash is not None else None,
    }


def check_translations(passages: list[Passage]) -> list[Problem]:
    """Every `translation_of` names a passage in another language on the same topic, unchanged since."""
    by_id = {p.id: p for p in passages}
    problems: list[Problem] = []
    for p in passages:
        if p.translation_of is None:
            continue
        where = f"passage {p.heading!r}"
        src = by_id.get(p.translation_of)
        if src is None:
            problems.append(Problem(p.path, where, f"translation_of {p.translation_of} names no passage"))
        elif src.language == p.language or src.topic != p.topic or src.country not in (p.country, "general"):
            problems.append(Problem(p.path, where, f"translation_of {src.id} must be the same country and topic in another language"))
        elif src.translation_of is not None:
            problems.append(Problem(p.path, where, f"translation_of {src.id}, itself a translation; link the original"))
        elif p.source_hash is None:
            problems.append(Problem(p.path, where, f"not stamped against {src.id}; run `safar kb stamp`", "warning"))
        elif p.source_hash != src.content_hash:
            problems.append(Problem(
                p.path, where, f"source changed since translation: {src.id} was edited; update this translation, "
                f"then run `safar kb stamp {p.path}`", "warning"))
        elif p.status == "reviewed" and src.status != "reviewed":
            problems.append(Problem(p.path, where, f"is reviewed but its source {src.id} is still sample", "warning"))
    return problems


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
    collection.problems.extend(check_translations(collection.passages))
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
