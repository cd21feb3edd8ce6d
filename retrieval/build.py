"""Build or refresh the index, and tell cheaply whether it is stale."""

from __future__ import annotations

from collections.abc import Callable

from knowledge_base.passages import Collection, load_collection
from knowledge_base.taxonomy import load_taxonomy
from retrieval.embedder import Embedder, model_id
from retrieval.errors import ContentInvalid
from retrieval.index import LAYOUT, BuildReport, build_index, collection_hash, read_manifest
from core.settings import Settings


def load_content(settings: Settings) -> Collection:
    """Parse the knowledge base with the taxonomy from the settings."""
    return load_collection(settings.kb_dir, load_taxonomy(settings.taxonomy_path))


def index_is_current(settings: Settings, collection: Collection) -> bool:
    """True when the index on disk was built from this content with this model (no model load)."""
    manifest = read_manifest(settings.index_dir)
    return bool(
        manifest
        and manifest.get("content_hash") == collection_hash(collection.passages)
        and manifest.get("model") == model_id(settings.resolved_embedding_model())
        and manifest.get("layout") == LAYOUT
    )


def build(settings: Settings, collection: Collection | None = None) -> BuildReport:
    """Embed what changed and write the index."""
    collection = collection or load_content(settings)
    if collection.errors:
        raise ContentInvalid(
            f"the knowledge base has {len(collection.errors)} error(s), first: {collection.errors[0].line()}; "
            "run `safar kb validate`"
        )
    embedder = Embedder(settings.resolved_embedding_model())
    return build_index(collection.passages, settings.index_dir, model_id=embedder.model_id, encode=embedder.encode)


def ensure_index(settings: Settings, report: Callable[[str], None]) -> None:
    """Build the index only when the content or the model changed."""
    collection = load_content(settings)
    if index_is_current(settings, collection):
        report("Knowledge-base index is up to date.")
        return
    report("Building the knowledge-base index (content changed) ...")
    result = build(settings, collection)
    report(
        f"Indexed {result.passages} passages ({result.embedded} embedded, {result.reused} reused) in {result.seconds:.1f} s."
    )
