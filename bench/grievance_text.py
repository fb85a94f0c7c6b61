"""Grievances and visit notes as Chinese text at Ningbo scale (issue 6, item 9 and its figures).

Run by ``bench/run --grievances-only`` (or with the other rows: ``bench/run`` adds them unless
``--no-grievances``). Into the bench database (any seed_scale preset) it COPYs, once:

- 50,000 grievances, all being handled (verified, assigned, in progress, reopened), spread
  over every zone's unions and the last year, their descriptions generated from the
  templates of ``bench/text_queries.json`` (each keeps its meaning: tracking code
  ``BX`` + its number in the corpus), search tokens written with the rows as ``seed_scale``
  does; 5 % are past due and 5 % fall due within the reminder window;
- 100,000 visits with notes from the same templates (another draw), by the bench zone
  worker, at unions all over the city (idempotency key ``bench-note-`` + the number).

Then the rows (DESIGN.md rule 9), each beside its floor:

- the grievance list API, page 50, against its floor (``bench/floors.py``): ≤ 2×;
- full-text search for grievances and for visit notes: through the API (``?q=``, page 50)
  ≤ 2× its floor and ≤ 50 ms at p95; the search itself (query read, ``restrict``,
  ``text_search``, the page through the ORM) ≤ 3× the raw SQL of the same page: the very
  statement it compiles, ``search_vector @@ to_tsquery(…)`` with the scope, columns, order
  and limit, through a cursor (the floor column of that row);
- recall over the query set, labelled by meaning, across both tables: ≥ 0.9 on average;
- category suggestion: ≥ 2,000 texts per CPU-second of one process;
- the overdue scan (events.grievances.scan_deadlines) over the 50,000 open grievances:
  the quiet beat run, and a run that finds 1 % of them due (reminders and escalations,
  claimed, told and logged a batch at a time), ≤ 5 s; both inside a transaction rolled back, so the
  bench can run again.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from .text import RECALL_FLOOR, SUGGESTIONS_PER_CORE_FLOOR, Text, generate_corpus, load_spec

GRIEVANCES = 50_000
NOTES = 100_000
CODE_PREFIX = "BX"
NOTE_KEY = "bench-note-"
SEARCH_P95_MS = 50.0
SEARCH_MAX_RAW_RATIO = 3.0
SCAN_LIMIT_S = 5.0
SEARCHES = ["拖欠工资", "工伤", "加班费", "职工之家"]  # common to rare
OPEN_STATES = ["verified", "assigned", "in_progress", "reopened"]


SCALE = {"share": 1.0}  # --grievance-scale: a fraction of the counts, to try the bench out quickly


def grievance_count() -> int:
    return int(GRIEVANCES * SCALE["share"])


def note_count() -> int:
    return int(NOTES * SCALE["share"])


def grievance_corpus() -> list[Text]:
    return generate_corpus(load_spec(), grievance_count(), seed=20261204)


def note_corpus() -> list[Text]:
    return generate_corpus(load_spec(), note_count(), seed=20261205)


def seeded() -> bool:
    from events.models import Grievance
    from zones.models import Visit

    return (
        Grievance.objects.filter(tracking_code__startswith=CODE_PREFIX).count() == grievance_count()
        and Visit.objects.filter(client_key__startswith=NOTE_KEY).count() == note_count()
    )


def seed(worker: Any) -> float:
    """COPY the grievances and visit notes (replacing earlier bench ones); returns the seconds taken."""
    from django.db import connection, transaction

    from events.models import Grievance
    from unionhub.core.bulkcopy import copy_rows, next_ids
    from unionhub.core.text import search_document
    from zones.models import GrassrootsUnion, Visit
    from zones.quarters import Quarter

    started = time.perf_counter()
    indexed = lru_cache(maxsize=None)(search_document)  # the templates repeat: few distinct texts
    unions = list(
        GrassrootsUnion.objects.filter(zone__isnull=False)
        .order_by("id")
        .values_list("id", "zone_id", "federation_id", "zone__federation__path")
    )
    if not unions:
        raise SystemExit("bench: the bench database has no unions in zones; run bench/run --reseed")
    rng = random.Random(20261204)
    now = datetime.datetime.now(datetime.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        Grievance.objects.filter(tracking_code__startswith=CODE_PREFIX).delete()
        Visit.objects.filter(client_key__startswith=NOTE_KEY).delete()
        corpus = grievance_corpus()
        ids = next_ids(cursor, Grievance, len(corpus))
        rows = []
        for pk, text in zip(ids, corpus, strict=True):
            union, zone, federation, path = unions[rng.randrange(len(unions))]
            created = now - datetime.timedelta(days=rng.uniform(1, 365))
            if text.id % 20 == 0:
                due = now - datetime.timedelta(hours=1 + text.id % 48)
            elif text.id % 20 == 1:
                due = now + datetime.timedelta(hours=2)
            else:
                due = now + datetime.timedelta(days=10 + text.id % 30)
            rows.append(
                (pk, f"{CODE_PREFIX}{text.id:08d}", "hotline", text.category, text.text, federation, path, zone, union,
                 True, OPEN_STATES[text.id % 4], due, created, created, indexed(text.text))
            )  # fmt: skip
        copy_rows(
            cursor,
            Grievance,
            ["id", "tracking_code", "channel", "category", "description", "federation", "federation_path", "zone",
             "union", "anonymous", "status", "due_at", "verified_at", "created_at", "search_tokens"],
            rows,
        )  # fmt: skip
        notes = note_corpus()
        ids = next_ids(cursor, Visit, len(notes))
        rows = []
        for pk, text in zip(ids, notes, strict=True):
            union, zone, _federation, path = unions[rng.randrange(len(unions))]
            visited = now - datetime.timedelta(days=rng.uniform(1, 365))
            rows.append(
                (pk, union, zone, path, worker.pk, visited, str(Quarter.of(visited.date())), "not_needed",
                 "{contact}", text.text, f"{NOTE_KEY}{text.id}", visited, indexed(text.text))
            )  # fmt: skip
        copy_rows(
            cursor,
            Visit,
            ["id", "union", "zone", "federation_path", "worker", "visited_at", "quarter", "review", "duties", "notes",
             "client_key", "created_at", "search_tokens"],
            rows,
        )  # fmt: skip
    vacuum()
    return time.perf_counter() - started


def vacuum() -> None:
    """VACUUM (ANALYZE) the two tables: rows written in bulk leave their GIN entries in the index's
    pending list (and a rolled-back UPDATE dead rows), which every search reads through until
    autovacuum comes by: 372 buffers instead of 6 for 职工之家 after the scan's rolled-back
    UPDATE, 9 ms instead of 0.1. The search rows must not be measured against that."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) events_grievance")
        cursor.execute("VACUUM (ANALYZE) zones_visit")


def operations() -> list[Any]:
    from .main import Operation

    page = "page_size=50"
    rows = [
        Operation("grievance list API, page 50", "city_staff", f"/api/v1/grievances/?{page}",
                  f"/bench-floor/grievances/?{page}"),
        Operation("grievance list API, page 50", "zone_chief", f"/api/v1/grievances/?{page}",
                  f"/bench-floor/grievances/?{page}", required=False),
    ]  # fmt: skip
    for q in SEARCHES:
        rows.append(
            Operation(f"grievance search {q}", "city_staff", f"/api/v1/grievances/?q={quote(q)}&{page}",
                      f"/bench-floor/grievances/?q={quote(q)}&{page}", p95_limit_ms=SEARCH_P95_MS,
                      explain_index="events_grievance_search" if q == SEARCHES[-1] else None)
        )  # fmt: skip
        rows.append(
            Operation(f"visit note search {q}", "city_staff", f"/api/v1/visits/?q={quote(q)}&{page}",
                      f"/bench-floor/visits/?q={quote(q)}&{page}", p95_limit_ms=SEARCH_P95_MS)
        )  # fmt: skip
    return rows


def search_page(kind: str, query: str, user: Any) -> Any:
    """The page the search row times: the query read, scoped by ``restrict``, filtered by
    ``text_search``, ordered by id, the floor view's fields, one more row than the page."""
    from events.models import Grievance
    from unionhub.core.choices import Action
    from unionhub.core.text.search import text_search
    from zones.models import Visit

    from .floors import GRIEVANCE_FIELDS, VISIT_FIELDS

    model, fields = (Grievance, GRIEVANCE_FIELDS) if kind == "grievance" else (Visit, VISIT_FIELDS)
    return text_search(model.objects.restrict(user, Action.VIEW), query).order_by("id").values(*fields)[:51]


def raw_search_ms(kind: str, query: str, user: Any, iterations: int) -> float:
    """Median of the raw SQL of that very page (the statement ``search_page`` compiles: same
    ``search_vector @@ to_tsquery(…)``, scope condition, columns, order and limit) through a cursor.

    The same statement, not a leaner one: a floor that selected fewer columns or left the scope
    out would time other work than the search's (DESIGN.md rule 9)."""
    from unittest import mock

    from django.db import connection

    from unionhub.core.text import search

    # A query no row matches gives an empty page without SQL (search._any_match): the floor is
    # then the statement the page would have run, as if a row had matched.
    with mock.patch.object(search, "_any_match", return_value=True):
        sql, params = search_page(kind, query, user).query.sql_with_params()
    times = []
    with connection.cursor() as cursor:
        for n in range(iterations + 2):
            start = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            if n >= 2:  # warm-up
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure_text_search(kind: str, query: str, user: Any, raw_ms: float, iterations: int) -> Any:
    """The search itself beside its raw SQL: the query read (jieba, synonyms), scoped by ``restrict``,
    filtered by ``text_search`` and the page fetched through the ORM, without the HTTP layers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .main import Result, _percentile

    times, rows = [], 0
    for n in range(iterations + 2):
        start = time.perf_counter()
        page = list(search_page(kind, query, user))
        if n >= 2:  # warm-up
            times.append((time.perf_counter() - start) * 1000)
        rows = len(page)
    with CaptureQueriesContext(connection) as captured:
        list(search_page(kind, query, user))
    median, p95 = statistics.median(times), _percentile(times, 0.95)
    ratio = median / raw_ms if raw_ms else float("inf")
    return Result(
        operation=f"{kind} text_search {query}", user="city_staff", median_ms=round(median, 2), p95_ms=round(p95, 2),
        floor_ms=round(raw_ms, 2), floor_p95_ms=0.0, sql_ms=round(raw_ms, 2), ratio=round(ratio, 2),
        queries=len(captured),
        floor_queries=1, target=f"≤ {SEARCH_MAX_RAW_RATIO:g}× raw SQL", ok=ratio <= SEARCH_MAX_RAW_RATIO, rows=rows,
        iterations=iterations, notes=[],
    )  # fmt: skip


def _task_result(name: str, seconds: float, target: str, ok: bool, rows: int, notes: list[str]) -> Any:
    from .main import Result

    ms = round(seconds * 1000, 1)
    return Result(
        operation=name, user="(task)", median_ms=ms, p95_ms=ms, floor_ms=0.0, floor_p95_ms=0.0, sql_ms=ms,
        ratio=0.0, queries=0, floor_queries=0, target=target, ok=ok, rows=rows, iterations=1, notes=notes,
    )  # fmt: skip


def measure_recall() -> Any:
    """Recall of every labelled query over both tables, through text_search (the API's own filter)."""
    from events.models import Grievance
    from unionhub.core.text.search import text_search
    from zones.models import Visit

    spec = load_spec()
    meaning_of = {f"g{t.id}": t.meaning for t in grievance_corpus()}
    meaning_of.update({f"v{t.id}": t.meaning for t in note_corpus()})
    grievances = Grievance.objects.filter(tracking_code__startswith=CODE_PREFIX)
    visits = Visit.objects.filter(client_key__startswith=NOTE_KEY)
    recalls, precisions, worst = [], [], []
    started = time.perf_counter()
    for entry in spec["queries"]:
        found = {f"g{int(code[len(CODE_PREFIX):])}" for code in text_search(grievances, entry["q"]).values_list(
            "tracking_code", flat=True)}  # fmt: skip
        found |= {f"v{key[len(NOTE_KEY):]}" for key in text_search(visits, entry["q"]).values_list(
            "client_key", flat=True)}  # fmt: skip
        relevant = {key for key, meaning in meaning_of.items() if meaning in entry["meanings"]}
        hits = len(found & relevant)
        recalls.append(hits / len(relevant) if relevant else 1.0)
        precisions.append(hits / len(found) if found else 1.0)
        worst.append((recalls[-1], entry["q"]))
    seconds = time.perf_counter() - started
    mean = statistics.mean(recalls)
    low = ", ".join(f"{q} {r:.2f}" for r, q in sorted(worst)[:3])
    return _task_result(
        f"search recall, {len(recalls)} queries",
        seconds,
        f"recall ≥ {RECALL_FLOOR}",
        mean >= RECALL_FLOOR,
        len(meaning_of),
        [f"mean recall {mean:.3f}, mean precision {statistics.mean(precisions):.3f}; lowest: {low} "
         f"(over {grievance_count():,} grievances and {note_count():,} visit notes; time = all queries)"],
    )  # fmt: skip


def measure_suggestions(count: int = 20_000) -> Any:
    count = min(count, grievance_count())
    from unionhub.core.text.classify import forget_model, suggest_category

    texts = [t.text for t in grievance_corpus()[:count]]
    correct = {t.text: t.category for t in grievance_corpus()[:count]}
    forget_model()
    suggest_category(texts[0])  # the model and jieba loaded before timing
    cpu, wall = time.process_time(), time.perf_counter()
    suggested = [suggest_category(text)[0] for text in texts]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    per_cpu = len(texts) / cpu if cpu else float("inf")
    accuracy = sum(s == correct[t] for s, t in zip(suggested, texts, strict=True)) / len(texts)
    return _task_result(
        f"category suggestion, {len(texts):,} texts",
        wall,
        f"≥ {SUGGESTIONS_PER_CORE_FLOOR:,}/CPU-s",
        per_cpu >= SUGGESTIONS_PER_CORE_FLOOR,
        len(texts),
        [f"{per_cpu:,.0f} texts per CPU-second of one process ({len(texts) / wall:,.0f} per wall-clock second); "
         f"accuracy {accuracy:.3f} against the templates' categories (with what this database has learnt)"],
    )  # fmt: skip


class _RollBack(Exception):
    pass


def measure_scan() -> list[Any]:
    """The beat task's scan over the 50,000 open grievances: quiet, then with 1 % of them due; rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from events.grievances import reminder_cutoff, scan_deadlines
    from events.models import Grievance

    results = []
    handling = Grievance.objects.filter(tracking_code__startswith=CODE_PREFIX, status__in=OPEN_STATES)
    total = handling.count()
    now = timezone.now()
    try:
        with transaction.atomic():
            # Quiet: the seeded due times are all in the future of this moment, far from the reminder window.
            start = time.perf_counter()
            found = scan_deadlines(now=now - datetime.timedelta(days=400))
            quiet = time.perf_counter() - start
            results.append(_task_result(
                f"overdue scan, {total:,} open, nothing due", quiet, f"≤ {SCAN_LIMIT_S:g} s", quiet <= SCAN_LIMIT_S,
                total, [f"reminded, escalated = {found}"]))  # fmt: skip
            # A working day's share: keep 1 % due (half overdue, half due soon), push the rest's due times away.
            ids = list(handling.order_by("id").values_list("id", flat=True))
            due_now = set(ids[::100])
            # Only those the scan would find (the older the seed, the more): fewer rows rewritten.
            Grievance.objects.filter(
                pk__in=[i for i in ids if i not in due_now], due_at__lte=reminder_cutoff(now)
            ).update(due_at=now + datetime.timedelta(days=30))
            overdue = [i for n, i in enumerate(sorted(due_now)) if n % 2 == 0]
            soon = [i for i in due_now if i not in set(overdue)]
            Grievance.objects.filter(pk__in=overdue).update(due_at=now - datetime.timedelta(hours=3))
            Grievance.objects.filter(pk__in=soon).update(due_at=now + datetime.timedelta(hours=2))
            start = time.perf_counter()
            found = scan_deadlines(now=now)
            busy = time.perf_counter() - start
            per_item = busy / max(1, sum(found)) * 1000
            note = f"reminded, escalated = {found}: {per_item:.1f} ms each (claim, notify, timeline)"
            results.append(_task_result(
                f"overdue scan, {total:,} open, 1 % due", busy, f"≤ {SCAN_LIMIT_S:g} s", busy <= SCAN_LIMIT_S,
                total, [note]))  # fmt: skip
            start = time.perf_counter()
            again = scan_deadlines(now=now)
            rerun = time.perf_counter() - start
            results.append(_task_result(
                f"overdue scan, {total:,} open, rerun", rerun, f"≤ {SCAN_LIMIT_S:g} s",
                rerun <= SCAN_LIMIT_S and again == (0, 0), total,
                [f"reminded, escalated = {again} (must be (0, 0): once only)"]))  # fmt: skip
            raise _RollBack
    except _RollBack:
        pass
    vacuum()  # the rolled-back UPDATEs' dead rows and GIN entries, before the next run's searches
    return results


def run_grievance_rows(args: Any, context: dict[str, Any], clients: dict[str, Any]) -> list[Any]:
    """Seed once, then every grievance text row (bench/main.py prints them with the others)."""
    from django.test import Client

    from .main import _main_statement, explain, measure

    users = context["users"]
    SCALE["share"] = args.grievance_scale
    if args.reseed_grievances or not seeded():
        print(f"bench: grievances: seeding {grievance_count():,} grievances and {note_count():,} visit notes (COPY)")
        print(f"bench: grievances: seeded in {seed(users['zone_worker']):.1f} s")
    wanted = (lambda name: args.only in name) if args.only else (lambda name: True)
    results: list[Any] = []
    plans = context.setdefault("plans", [])
    for op in operations():
        if not wanted(op.name):
            continue
        if op.user not in clients:
            clients[op.user] = Client()
            clients[op.user].force_login(users[op.user])
        result, statements = measure(op, clients[op.user], args.iterations, args.warmup, args.show_queries,
                                     args.budget)  # fmt: skip
        kind = "grievance" if op.name.startswith("grievance search") else "visit note" if "search" in op.name else ""
        if kind:
            query = op.name.rsplit(" ", 1)[1]
            raw = raw_search_ms(kind, query, users[op.user], args.iterations)
            result.notes.append(
                f"raw tsvector @@ tsquery SQL {raw:.2f} ms (the request: {result.median_ms / raw:.1f}×)"
            )
            results.append(measure_text_search(kind, query, users[op.user], raw, args.iterations))
        main = _main_statement(statements)
        if op.explain_index and main:
            plan = explain(main)
            plans.append((f"{op.name} ({op.user})", plan))
            if op.explain_index not in plan:
                result.ok = False
                result.notes.append(f"plan does not use {op.explain_index}")
        elif main and (args.explain or not result.ok):
            plans.append((f"{op.name} ({op.user})", explain(main)))
        results.append(result)
    if wanted("search recall"):
        results.append(measure_recall())
    if wanted("category suggestion"):
        results.append(measure_suggestions())
    if wanted("overdue scan"):
        results.extend(measure_scan())
    results.sort(key=lambda r: not r.required)  # the extras after the rows the issue asks for
    return results
