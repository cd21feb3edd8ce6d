"""Record, in a translation's front matter, which version of its source it was made from."""

from __future__ import annotations

import re
from pathlib import Path

from knowledge_base.passages import Passage


def stamp_translations(passages: list[Passage], restamp: set[str] | None = None) -> list[str]:
    """Write `source_hash` for unstamped translations (and every translation in the `restamp` paths).

    Returns the ids stamped. Editing is textual so the authors' formatting and comments stay as written.
    """
    by_id = {p.id: p for p in passages}
    restamp = {str(Path(p).resolve()) for p in (restamp or set())}
    todo: dict[str, list[tuple[Passage, Passage]]] = {}
    for p in passages:
        src = by_id.get(p.translation_of or "")
        if src is None:
            continue
        if p.source_hash is None or (str(Path(p.path).resolve()) in restamp and p.source_hash != src.content_hash):
            todo.setdefault(p.path, []).append((p, src))
    stamped: list[str] = []
    for path, pairs in todo.items():
        text = Path(path).read_text(encoding="utf-8")
        for p, src in pairs:
            text = _set_hash(text, src.id, src.content_hash)
            stamped.append(p.id)
        Path(path).write_text(text, encoding="utf-8")
    return stamped


def _set_hash(text: str, source_id: str, digest: str) -> str:
    """Put `source_hash: digest` right under `translation_of: source_id`, replacing an old one."""
    line = re.compile(rf"^(?P<indent>[ \t]+)translation_of:[ \t]*['\"]?{re.escape(source_id)}['\"]?[ \t]*\n"
                      rf"(?:(?P=indent)source_hash:.*\n)?", re.M)
    return line.sub(lambda m: f"{m.group('indent')}translation_of: {source_id}\n{m.group('indent')}source_hash: {digest}\n",
                    text, count=1)
