"""Emergency and support contacts for the programme location, where the person is now.

Loaded once at start by the bot and the action server, so a person at risk gets them with Rasa,
the action server or the database down. Each file is checked by `safar kb validate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from core.vocabulary import LANGUAGES
from knowledge_base.yaml_io import load_yaml

CONTACTS_DIR = Path(__file__).resolve().parent.parent / "knowledge_base" / "crisis_contacts"
STATUSES = ("sample", "verified")
KINDS = ("emergency", "helpline")
ALWAYS = "24/7"


class ContactsInvalid(ValueError):
    """A contacts file that must not be used; the message says which file and what is wrong."""


@dataclass(frozen=True)
class Contact:
    """One emergency number or support line."""

    name: dict[str, str]
    phone: str
    when: dict[str, str]
    kind: str = "emergency"
    hours: str = ALWAYS
    source: str = ""
    verified_on: date | None = None

    def line(self, language: str) -> str:
        """`☎ number — name (when) · hours` in the person's language where the file has it."""
        name = self.name.get(language) or self.name.get("en", "")
        when = self.when.get(language) or self.when.get("en", "")
        hours = "" if self.hours == ALWAYS else f" · {self.hours}"
        return f"☎ {self.phone} — {name}" + (f" ({when})" if when else "") + hours


@dataclass(frozen=True)
class CrisisContacts:
    """The contacts of one programme location, national emergency numbers first."""

    location: str
    status: str
    contacts: tuple[Contact, ...]

    @classmethod
    def load(cls, name: str, folder: Path = CONTACTS_DIR) -> "CrisisContacts":
        """Read `folder/<name>.yml`; raise ContactsInvalid with one line when it cannot be used."""
        path = folder / f"{name}.yml"
        problems, contacts = check_file(path)
        if problems:
            raise ContactsInvalid(problems[0])
        assert contacts is not None
        return contacts

    @property
    def emergency(self) -> Contact:
        """The first national emergency number: the one line a gentle note gives."""
        return next((c for c in self.contacts if c.kind == "emergency"), self.contacts[0])

    def render(self, language: str) -> str:
        """The contacts as lines for a message."""
        return "\n".join(c.line(language) for c in self.contacts)


def _per_language(value: object) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"en": str(value)} if value else {}


def check_file(path: Path, today: date | None = None) -> tuple[list[str], CrisisContacts | None]:
    """Every problem of one contacts file as `file: field: what` lines, and the contacts when usable."""
    today = today or date.today()
    where = str(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError:
        return [f"{where}: file: cannot be read; check SAFAR_CRISIS_CONTACTS names a file in {path.parent}"], None
    except yaml.YAMLError:
        return [f"{where}: file: is not valid YAML"], None
    if not isinstance(data, dict):
        return [f"{where}: file: must be a YAML mapping"], None
    problems: list[str] = []
    status = data.get("status")
    if status not in STATUSES:
        problems.append(f"{where}: status: {status!r} is not one of {', '.join(STATUSES)}")
    for field in ("location", "last_reviewed", "review_every_days"):
        if not data.get(field):
            problems.append(f"{where}: {field}: is missing")
    raw = data.get("contacts")
    if not isinstance(raw, list) or not raw:
        return problems + [f"{where}: contacts: lists no contacts"], None
    contacts: list[Contact] = []
    for i, c in enumerate(raw, 1):
        at = f"{where}: contacts[{i}]"
        if not isinstance(c, dict):
            problems.append(f"{at}: must be a mapping with name, phone, kind, hours, source, verified_on")
            continue
        kind, hours, source, verified = c.get("kind", "emergency"), c.get("hours"), c.get("source"), c.get("verified_on")
        name = _per_language(c.get("name"))
        if not name.get("en"):
            problems.append(f"{at}: name: needs at least an English name (en)")
        if not str(c.get("phone") or "").strip():
            problems.append(f"{at}: phone: is missing")
        if kind not in KINDS:
            problems.append(f"{at}: kind: {kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(hours, str) or not hours.strip():
            problems.append(f"{at}: hours: say {ALWAYS!r} or when it is open (a helpline open office hours must say so)")
        if not isinstance(source, str) or not source.startswith("https://"):
            problems.append(f"{at}: source: needs the https:// page that confirms this number")
        if not isinstance(verified, date):
            problems.append(f"{at}: verified_on: needs the date (YYYY-MM-DD) someone checked the number")
        elif verified > today:
            problems.append(f"{at}: verified_on: {verified.isoformat()} is in the future")
        missing = [lang for lang in LANGUAGES if lang not in name]
        if missing:
            problems.append(f"{at}: name: no text for {', '.join(missing)} (the person reads it in a crisis)")
        contacts.append(Contact(name=name, phone=str(c.get("phone", "")).strip(), when=_per_language(c.get("when")),
                                kind=str(kind), hours=str(hours or ""), source=str(source or ""),
                                verified_on=verified if isinstance(verified, date) else None))
    if contacts and contacts[0].kind != "emergency":
        problems.append(f"{where}: contacts: list a national emergency number first")
    if problems:
        return problems, None
    return [], CrisisContacts(location=str(data["location"]), status=str(status), contacts=tuple(contacts))


def check_all(folder: Path = CONTACTS_DIR, today: date | None = None) -> list[str]:
    """Problems of every contacts file in the folder (for `safar kb validate`)."""
    problems: list[str] = []
    for path in sorted(folder.glob("*.yml")):
        problems.extend(check_file(path, today)[0])
    return problems
