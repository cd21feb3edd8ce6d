"""How well the gap report groups similar questions, on demo questions whose theme is known.

    .venv/bin/python benchmarks/clustering.py [--seed 7] [--n 1500]

Draws questions the way `safar demo-log` does: gap themes from insights/demo_questions.yml (weighted,
personal data filled in, then anonymised) mixed with answerable questions from the retrieval set
(labelled "known": in a real log these are scattered misses, not one theme). Groups them exactly as
the report does (insights.report_data.gap_clusters' per-language method) and reports, over the
theme questions: adjusted Rand index against the themes (clustered rows only), the share of theme
questions placed in some cluster, cluster purity (share of a cluster's rows from its main theme),
and how many themes have a cluster of their own (a cluster whose main theme is it, purity >= 0.7).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from privacy.anonymise import anonymise  # noqa: E402
from insights.demo_log import THEMES, fill, labelled_questions  # noqa: E402
from insights.gap_clusters import char_ngram_vectors, embed_text, group  # noqa: E402
from knowledge_base.yaml_io import load_yaml  # noqa: E402


def sample(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(text, language, theme) triples: 60% gap-theme questions, 40% known questions."""
    rng = random.Random(seed)
    themed = [(text, lang, t["id"], t["weight"] / sum(len(v) for v in t["questions"].values()))
              for t in load_yaml(THEMES.read_text(encoding="utf-8"))["themes"] if t["kind"] == "gap"
              for lang, items in t["questions"].items() for text in items]
    known = labelled_questions()
    out = []
    for _ in range(n):
        if rng.random() < 0.6:
            text, lang, theme, _ = rng.choices(themed, weights=[w for *_, w in themed])[0]
            out.append((anonymise(fill(text, rng)), lang, theme))
        else:
            q = rng.choice(known)
            out.append((q.text, q.language, "known"))
    return out


def main() -> None:
    """Print the clustering figures."""
    from sklearn.metrics import adjusted_rand_score

    from retrieval.embedder import Embedder
    from core.settings import default_embedding_model

    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n", type=int, default=1500)
    args = parser.parse_args()
    rows = sample(args.n, args.seed)
    embedder = Embedder(default_embedding_model())
    start = time.perf_counter()
    labels: list[str] = [""] * len(rows)
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, (_, lang, _) in enumerate(rows):
        by_language[lang].append(i)
    for lang, idx in by_language.items():
        texts = [embed_text(rows[i][0]) for i in idx]
        grouping = group(embedder.encode(texts) if lang == "en" else char_ngram_vectors(texts))
        for i, label in zip(idx, grouping.labels):
            labels[i] = f"{lang}:{label}" if label != -1 else ""
    seconds = time.perf_counter() - start
    truth = np.array([t for *_, t in rows])
    got = np.array(labels)
    themed = truth != "known"
    placed = themed & (got != "")
    clusters = [c for c in set(labels) if c]
    purity = []
    owned = set()
    for c in clusters:
        members = truth[got == c]
        theme, count = Counter(members).most_common(1)[0]
        purity.append(count / len(members))
        if theme != "known" and count / len(members) >= 0.7:
            owned.add(theme)
    themes = set(truth[themed])
    print(f"{len(rows)} questions ({themed.sum()} from {len(themes)} gap themes, the rest known), seed {args.seed}")
    print(f"clusters: {len(clusters)}; grouping took {seconds:.1f} s")
    print(f"theme questions placed in a cluster: {placed.sum() / themed.sum():.3f}")
    print(f"adjusted Rand index vs themes (placed theme questions): {adjusted_rand_score(truth[placed], got[placed]):.3f}"
          " (all languages together: one theme asked in three languages is three clusters by design)")
    langs = np.array([lang for _, lang, _ in rows])
    for lang in sorted(set(langs)):
        m = placed & (langs == lang)
        share = m.sum() / max(1, (themed & (langs == lang)).sum())
        print(f"  {lang}: ARI {adjusted_rand_score(truth[m], got[m]):.3f}, theme questions placed {share:.3f}")
    print(f"mean cluster purity: {np.mean(purity):.3f}")
    print(f"themes with a cluster of their own: {len(owned)} of {len(themes)}")
    print("theme questions by language:", dict(Counter(lang for _, lang, t in rows if t != "known")))



if __name__ == "__main__":
    main()
