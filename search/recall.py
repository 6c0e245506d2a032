#!/usr/bin/env python3
"""Recall and precision of the browser search on a built bundle against a plain substring scan.

    python search/recall.py CONTENT_DIR SITE_DIR [QUERY ...]

Runs search/archive-search.js in node over SITE_DIR/search with limit null (every match) and
compares, per query, with archive.search.query.matches over every document's folded text.
"""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "search"))

from measure import QUERIES  # noqa: E402
from support import NodeEngine, Oracle  # noqa: E402

from archive.config import load_config  # noqa: E402
from archive.document import load_document  # noqa: E402


def main(content: Path, site: Path, queries: list[str]) -> None:
    documents = [load_document(path) for path in sorted(content.rglob("*.md"))]
    config = load_config(None, root=ROOT)
    oracle = Oracle(types.SimpleNamespace(entries=[types.SimpleNamespace(doc=doc) for doc in documents], config=config))
    engine = NodeEngine(site)
    print("query\texpected\treturned\trecall\tprecision\tnode ms")
    try:
        for query in queries:
            expected = oracle.ids(query)
            start = time.perf_counter()
            returned = set(engine.search(query, limit=None)["ids"])
            elapsed = (time.perf_counter() - start) * 1000
            hits = len(expected & returned)
            recall = hits / len(expected) if expected else 1.0
            precision = hits / len(returned) if returned else 1.0
            print(f"{query}\t{len(expected)}\t{len(returned)}\t{recall:.2f}\t{precision:.2f}\t{elapsed:.0f}", flush=True)
    finally:
        engine.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:] or QUERIES)
