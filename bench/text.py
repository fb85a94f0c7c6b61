"""Chinese text tools on a generated corpus: search recall, category suggestion accuracy and throughput.

    DEBUG=true .venv/bin/python -m bench.text [--texts 5000] [--no-sql]

The corpus is generated from the templates in ``bench/text_queries.json`` (each text has
its template's meaning and category, slots filled, greetings added at random, seeded).
For every query there, its relevant texts are those of the meanings it lists, so recall
counts synonyms and colloquial wording (拖欠工资 must find 工资一直没发).

- Recall and precision, per query and on average: in PostgreSQL (a TEMP table of the
  corpus's ``search_document`` with the same GIN expression index as zones, queried with
  ``unionhub.core.text.search.tsquery``), and the query's SQL time. Nothing persists.
- Category suggestion: accuracy against the template's category, with the vocabulary
  prior only (nothing learned), and texts per CPU-second of one process (one core; CPU
  time, so other work on the machine does not count against it) beside wall-clock.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUERIES_FILE = Path(__file__).with_name("text_queries.json")
RECALL_FLOOR = 0.9
SUGGESTIONS_PER_CORE_FLOOR = 2_000


@dataclass(frozen=True)
class Text:
    id: int
    text: str
    meaning: str
    category: str


def load_spec(path: Path = QUERIES_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def generate_corpus(spec: dict[str, Any], count: int, seed: int = 20261203) -> list[Text]:
    """``count`` texts, meanings in turn, templates, slots and greetings drawn at random."""
    rng = random.Random(seed)
    slots = spec["slots"]
    meanings = list(spec["meanings"].items())

    def fill(template: str) -> str:
        return template.format(**{name: rng.choice(values) for name, values in slots.items()})

    corpus = []
    for n in range(count):
        meaning, entry = meanings[n % len(meanings)]
        body = fill(rng.choice(entry["templates"]))
        text = fill(rng.choice(spec["openers"])) + body + rng.choice(spec["closers"])
        corpus.append(Text(n + 1, text, meaning, entry["category"]))
    return corpus


@dataclass
class QueryResult:
    query: str
    relevant: int
    found: int
    hits: int
    sql_ms: float = 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.relevant if self.relevant else 1.0

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0


def measure_recall(
    spec: dict[str, Any], corpus: list[Text], search: Callable[[str], tuple[set[int], float]]
) -> list[QueryResult]:
    """Recall and precision of ``search(query) -> (ids found, ms)`` for every labelled query."""
    results = []
    for entry in spec["queries"]:
        relevant = {t.id for t in corpus if t.meaning in entry["meanings"]}
        found, ms = search(entry["q"])
        results.append(QueryResult(entry["q"], len(relevant), len(found), len(found & relevant), ms))
    return results


def python_search(corpus: list[Text]) -> Callable[[str], tuple[set[int], float]]:
    """The tsquery semantics over token sets, without a database (for tests)."""
    from unionhub.core.text import tokens
    from unionhub.core.text.search import parse_query

    documents = {t.id: set(tokens(t.text)) for t in corpus}

    def search(query: str) -> tuple[set[int], float]:
        terms = parse_query(query)
        if not terms:
            return set(), 0.0
        found = {
            i
            for i, doc in documents.items()
            if all(any(all(tok in doc for tok in alternative) for alternative in term) for term in terms)
        }
        return found, 0.0

    return search


def sql_search(corpus: list[Text]) -> Callable[[str], tuple[set[int], float]]:
    """The same query through PostgreSQL: TEMP table, GIN index on to_tsvector('simple', tokens)."""
    from django.db import connection

    from unionhub.core.text import search_document
    from unionhub.core.text.search import tsquery

    cursor = connection.cursor()
    cursor.execute("CREATE TEMP TABLE bench_text (id int PRIMARY KEY, search_tokens text NOT NULL)")
    with cursor.copy("COPY bench_text (id, search_tokens) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for t in corpus:
            copy.write_row((t.id, search_document(t.text)))
    cursor.execute(
        "CREATE INDEX ON bench_text USING gin (to_tsvector('simple'::regconfig, COALESCE(search_tokens, '')))"
    )
    cursor.execute("ANALYZE bench_text")
    sql = (
        "SELECT id FROM bench_text WHERE to_tsvector('simple'::regconfig, COALESCE(search_tokens, '')) "
        "@@ to_tsquery('simple'::regconfig, %s)"
    )

    def search(query: str) -> tuple[set[int], float]:
        raw = tsquery(query)
        if not raw:
            return set(), 0.0
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            cursor.execute(sql, [raw])
            rows = cursor.fetchall()
            timings.append((time.perf_counter() - start) * 1000)
        return {r[0] for r in rows}, statistics.median(timings)

    return search


def suggestion_figures(corpus: list[Text]) -> dict[str, float]:
    """Accuracy of the vocabulary-only model, and texts per CPU-second (and per wall second)."""
    from unionhub.core.text.classify import CategoryModel

    model = CategoryModel.build()  # the vocabulary prior only: what a new federation starts with
    texts = [t.text for t in corpus]
    model.suggest(texts[0])  # jieba loaded before timing
    cpu, wall = time.process_time(), time.perf_counter()
    suggestions = [model.suggest(text) for text in texts]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    right = sum(1 for t, (key, _) in zip(corpus, suggestions, strict=True) if key == t.category)
    return {
        "accuracy": right / len(corpus),
        "per_cpu_second": len(texts) / cpu,
        "per_wall_second": len(texts) / wall,
    }


def report(results: Iterable[QueryResult], figures: dict[str, float], texts: int) -> bool:
    results = list(results)
    print(f"Chinese text tools on {texts:,} generated texts (bench/text_queries.json)\n")
    print(f"{'query':<10} {'relevant':>8} {'found':>6} {'recall':>7} {'precision':>9} {'SQL ms':>7}")
    for r in results:
        print(f"{r.query:<10} {r.relevant:>8} {r.found:>6} {r.recall:>7.3f} {r.precision:>9.3f} {r.sql_ms:>7.2f}")
    recall = statistics.mean(r.recall for r in results)
    precision = statistics.mean(r.precision for r in results)
    print(f"\nmean recall {recall:.3f} (floor {RECALL_FLOOR}), mean precision {precision:.3f}")
    print(
        f"category suggestion: accuracy {figures['accuracy']:.3f} (vocabulary only), "
        f"{figures['per_cpu_second']:,.0f} texts per CPU-second (floor {SUGGESTIONS_PER_CORE_FLOOR:,}), "
        f"{figures['per_wall_second']:,.0f} per wall-clock second"
    )
    return recall >= RECALL_FLOOR and figures["per_cpu_second"] >= SUGGESTIONS_PER_CORE_FLOOR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=5_000)
    parser.add_argument("--no-sql", action="store_true", help="evaluate queries in Python, without PostgreSQL")
    args = parser.parse_args()
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
    django.setup()
    spec = load_spec()
    corpus = generate_corpus(spec, args.texts)
    search = python_search(corpus) if args.no_sql else sql_search(corpus)
    ok = report(measure_recall(spec, corpus, search), suggestion_figures(corpus), len(corpus))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
