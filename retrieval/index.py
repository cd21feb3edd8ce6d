"""The on-disk index: passages, their embeddings, a FAISS index and a manifest.

FAISS `IndexFlatIP` gives exact inner-product (cosine, on unit vectors) search. At a few thousand
passages a query costs well under a millisecond, so an approximate index would only lose recall.
Switch to `IndexHNSWFlat` (or `IndexIVFFlat` trained on the collection) in `build_faiss` when the
collection passes roughly 100,000 passages or query latency passes a few milliseconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from knowledge_base.passages import Passage
from retrieval.errors import IndexMissing, IndexModelMismatch

MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
EMBEDDINGS = "embeddings.npy"
OWNERS = "owners.npy"
FAISS_FILE = "passages.faiss"
# Every passage has several vectors: its body, its title + heading (short questions often match
# what a passage is about better than its whole text), and one per `questions:` entry (the ways
# people ask for it). `owners[i]` is the passage row of vector i.
LAYOUT = "texts-v2"


def passage_texts(p: Passage) -> list[str]:
    """The texts embedded for one passage, in order: body, heading, then each of its questions."""
    return [p.embed_text, p.head_text, *p.questions]


def text_key(text: str) -> str:
    """Cache key of one embedded text."""
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:20]


def collection_hash(passages: list[Passage]) -> str:
    """One hash for the whole collection as indexed (ids, texts, questions and metadata)."""
    import hashlib

    digest = hashlib.sha256()
    for p in sorted(passages, key=lambda p: p.id):
        meta = f"{p.id}\0{p.content_hash}\0{p.source}\0{p.status}\0{p.written}\0{p.reviewed}\0{p.translation_of}"
        digest.update(f"{meta}\0{chr(1).join(p.questions)}\0".encode())
    return digest.hexdigest()[:24]


def build_faiss(vectors: np.ndarray) -> faiss.Index:
    """Exact inner-product index over unit vectors (see the module docstring for when to change)."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return index


@dataclass
class BuildReport:
    """What a build did, for the operator and the benchmark."""

    passages: int
    embedded: int
    reused: int
    seconds: float
    rebuilt: bool


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the index in `index_dir`, or None when there is none."""
    path = index_dir / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _passage_to_json(p: Passage) -> str:
    data = asdict(p)
    data["written"] = p.written.isoformat()
    data["reviewed"] = p.reviewed.isoformat() if p.reviewed else None
    data["questions"] = list(p.questions)
    return json.dumps(data, ensure_ascii=False)


def _passage_from_json(line: str) -> Passage:
    data = json.loads(line)
    data["written"] = date.fromisoformat(data["written"])
    data["reviewed"] = date.fromisoformat(data["reviewed"]) if data.get("reviewed") else None
    data["questions"] = tuple(data.get("questions") or ())
    return Passage(**data)


def build_index(
    passages: list[Passage], index_dir: Path, *, model_id: str, encode: Callable[[list[str]], np.ndarray]
) -> BuildReport:
    """Write the index for `passages`, embedding only texts that no earlier build embedded."""
    start = time.monotonic()
    cache: dict[str, np.ndarray] = {}
    old = read_manifest(index_dir)
    if old and old.get("model") == model_id and old.get("layout") == LAYOUT and (index_dir / EMBEDDINGS).exists():
        old_vectors = np.load(index_dir / EMBEDDINGS)
        keys = old.get("vector_keys", [])
        if len(keys) == len(old_vectors):
            cache = dict(zip(keys, old_vectors))
    texts: list[str] = []
    owners: list[int] = []
    for row, p in enumerate(passages):
        for text in passage_texts(p):
            texts.append(text)
            owners.append(row)
    keys = [text_key(t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
    if todo:
        fresh = encode([t for _, t in todo])
        cache.update({k: fresh[i] for i, (k, _) in enumerate(todo)})
    vectors = (np.stack([cache[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 0), np.float32))
    embedded_passages = len({owners[i] for i, k in enumerate(keys) if k in dict(todo)})

    index_dir.mkdir(parents=True, exist_ok=True)
    # Write to temporary names, then rename: a reader never sees half an index.
    tmp = {name: index_dir / f".{name}.tmp" for name in (PASSAGES, EMBEDDINGS, OWNERS, FAISS_FILE, MANIFEST)}
    tmp[PASSAGES].write_text("".join(_passage_to_json(p) + "\n" for p in passages), encoding="utf-8")
    with open(tmp[EMBEDDINGS], "wb") as fh:
        np.save(fh, vectors)
    with open(tmp[OWNERS], "wb") as fh:
        np.save(fh, np.array(owners, dtype=np.int64))
    faiss.write_index(build_faiss(vectors), str(tmp[FAISS_FILE]))
    seconds = time.monotonic() - start
    manifest = {
        "model": model_id,
        "dim": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        "content_hash": collection_hash(passages),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "layout": LAYOUT,
        "passages": [{"id": p.id, "content_hash": p.content_hash} for p in passages],
        "vector_keys": keys,
        "build_seconds": round(seconds, 3),
    }
    tmp[MANIFEST].write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    for name in (PASSAGES, EMBEDDINGS, OWNERS, FAISS_FILE, MANIFEST):  # manifest last: it marks a complete index
        tmp[name].replace(index_dir / name)
    return BuildReport(
        passages=len(passages), embedded=embedded_passages, reused=len(passages) - embedded_passages, seconds=seconds,
        rebuilt=True,
    )


@dataclass
class LoadedIndex:
    """An index read back from disk."""

    manifest: dict
    passages: list[Passage]
    vectors: np.ndarray
    faiss_index: faiss.Index
    owners: np.ndarray  # passage row of each vector


def load_index(index_dir: Path, *, model_id: str) -> LoadedIndex:
    """Read the index, refusing one built with a different embedding model."""
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissing(f"no knowledge-base index in {index_dir}; run `safar kb build`")
    if manifest.get("model") != model_id:
        raise IndexModelMismatch(
            f"the index in {index_dir} was built with model {manifest.get('model')!r} but the configured model is "
            f"{model_id!r}; run `safar kb build` to rebuild it"
        )
    lines = (index_dir / PASSAGES).read_text(encoding="utf-8").splitlines()
    passages = [_passage_from_json(line) for line in lines if line.strip()]
    if manifest.get("layout") != LAYOUT or not (index_dir / OWNERS).exists():
        raise IndexMissing(f"the index in {index_dir} has an older layout; run `safar kb build`")
    vectors = np.load(index_dir / EMBEDDINGS)
    owners = np.load(index_dir / OWNERS)
    faiss_index = faiss.read_index(str(index_dir / FAISS_FILE))
    if faiss_index.ntotal != len(owners) or len(owners) != len(vectors):
        raise IndexMissing(f"the index in {index_dir} is incomplete; run `safar kb build`")
    return LoadedIndex(manifest, passages, vectors, faiss_index, owners)
