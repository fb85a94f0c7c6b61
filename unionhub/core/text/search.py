"""Full-text search over stored token documents, and highlighted snippets.

A searchable model keeps ``search_tokens``: ``search_document`` of its text (segmented in
Python by jieba, because no Chinese parser for PostgreSQL is packaged in Debian), and
``search_vector``, the stored ``to_tsvector('simple', search_tokens)`` (a generated column,
``stored_search_vector``). Its GIN index is on that column (``search_index``) and
``text_search`` matches against it: a query never recomputes ``to_tsvector`` for the rows it
passes (with the lists' id order the planner walks the primary key and filters; recomputing
cost 8.9 ms against 0.25 ms from the stored column for a common word over 50,000 grievances).

How a query is read, for recall (docs/text.md):

- every wording of a synonym group in the query becomes one term, its canonical word:
  documents carry the canonical word of each wording they contain, so "拖欠工资" finds
  "工资一直没发" (both are indexed as 欠薪);
- every other word is one term: the word itself, OR all of the dictionary words inside
  it (jieba may cut "职工之家" whole in one sentence and in two in another);
- terms are ANDed: a query of two meanings wants both.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, F, Func, GeneratedField, QuerySet, Subquery
from django.utils.safestring import SafeString, mark_safe

from .segment import analyse, normalise, subwords
from .vocabulary import vocabulary

SEARCH_FIELD = "search_tokens"
SEARCH_VECTOR_FIELD = "search_vector"
# What pages and lists defer: neither is ever shown, and reading the vector (tens of tokens a
# row) cost a 50-row grievance list a fifth of its time (bench/run).
SEARCH_COLUMNS = (SEARCH_FIELD, SEARCH_VECTOR_FIELD)
MAX_QUERY_TERMS = 8  # a pasted paragraph is not a query: its first terms are

# A query: terms ANDed; a term: alternatives ORed; an alternative: tokens ANDed.
Query = list[list[tuple[str, ...]]]


def _outermost(spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """Canonical words of the wordings not inside a longer one: "加班费" is 加班费, not also 加班."""
    spans = list(spans)
    kept = [c for s, e, c in spans if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in spans)]
    return list(dict.fromkeys(kept))


def parse_query(text: str) -> Query:
    result = analyse(text)
    terms: Query = [[(canonical,)] for canonical in _outermost(result.spans)]
    for word in dict.fromkeys(result.words):
        inside = tuple(subwords(word)) if len(word) > 2 else ()
        terms.append([(word,), inside] if inside else [(word,)])
    return terms[:MAX_QUERY_TERMS]


def tsquery(text: str) -> str:
    """The query as ``to_tsquery('simple', …)`` text; empty when nothing searchable is left."""
    return _tsquery_text(parse_query(text))


def _tsquery_text(terms: Query) -> str:
    def alternative(tokens: tuple[str, ...]) -> str:
        quoted = " & ".join(f"'{t}'" for t in tokens)  # tokens are letter/digit runs: nothing to escape
        return f"({quoted})" if len(tokens) > 1 else quoted

    return " & ".join("(" + " | ".join(alternative(a) for a in term) + ")" for term in terms)


def search_vector(field: str = SEARCH_FIELD) -> SearchVector:
    return SearchVector(field, config="simple")


def stored_search_vector(field: str = SEARCH_FIELD) -> GeneratedField:
    """The ``search_vector`` column of a searchable model: ``to_tsvector('simple', field)``, stored."""
    return GeneratedField(expression=search_vector(field), output_field=SearchVectorField(), db_persist=True)


def search_index(name: str) -> GinIndex:
    """The GIN index for ``text_search``, on the stored ``search_vector`` column."""
    return GinIndex(fields=[SEARCH_VECTOR_FIELD], name=name)


# A query expected to match at most this many rows reads its matches through the GIN index
# first (see ``text_search``): at about 2 µs a row, 10,000 matches cost some 20 ms at worst.
FEW_MATCHES = 10_000
STATISTICS_SECONDS = 600  # how long the planner's word frequencies are reused


class _AnyOfMatches(Func):
    """``id = ANY(ARRAY(subquery))``: the subquery runs once, through the GIN index, as an InitPlan."""

    arg_joiner = " = ANY(ARRAY("
    template = "(%(expressions)s)))"
    output_field = BooleanField()


def text_search(queryset: QuerySet[Any], query: str, vector: str = SEARCH_VECTOR_FIELD) -> QuerySet[Any]:
    """Rows of ``queryset`` whose stored search vector matches ``query`` (no rows for an empty query).

    Lists page by id, and for ``ORDER BY id LIMIT 51`` PostgreSQL walks the primary key and
    tests each row, expecting matches spread evenly. Words are not spread evenly: a word that
    came into use last year sits in the newest rows only, and a walk through 100,800 older
    visit notes took 82 ms (bench/run). So a query the planner's own statistics expect in few
    rows gets its matching ids from the GIN index first (bounded by the number of matches: 12 ms
    for 5,883 notes), and a common one, which a walk finds at once, keeps the plain filter. A
    query with a word the statistics do not know, and that no row matches at all, gives an
    empty queryset at once (``_any_match``).
    """
    terms = parse_query(query)
    raw = _tsquery_text(terms)
    if not raw:
        return queryset.none()
    condition = {vector: SearchQuery(raw, config="simple", search_type="raw")}
    expected = expected_matches(queryset.model, vector, terms)
    if expected > FEW_MATCHES:
        return queryset.filter(**condition)
    if not expected and not _any_match(queryset, vector, raw):
        return queryset.none()
    matching = queryset.model._base_manager.filter(**condition).order_by().values("pk")
    return queryset.filter(_AnyOfMatches(F("pk"), Subquery(matching)))


def _any_match(queryset: QuerySet[Any], vector: str, raw: str) -> bool:
    """Whether any row of the table matches ``raw``: one probe of the GIN index, in plain SQL.

    Asked only for a query with a word missing from the statistics' common words, which is
    often no word of the table at all (a typo, a name); then the list and its count need no
    query, and this probe is the whole search. Not asked for a known word: with LIMIT 1 the
    planner may then choose to walk the table, and a word found only in the newest rows cost
    that walk 36 ms (bench/run). Written as SQL because building it through the ORM cost
    several times running it (0.3 ms).
    """
    meta, connection = queryset.model._meta, connections[queryset.db]
    quote = connection.ops.quote_name
    statement = (
        f"SELECT 1 FROM {quote(meta.db_table)} "  # noqa: S608 - a model's own table and column
        f"WHERE {quote(meta.get_field(vector).column)} @@ to_tsquery('simple', %s) LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [raw])
        return cursor.fetchone() is not None


def expected_matches(model: Any, vector: str, terms: Query) -> float:
    """Rows the planner's statistics expect ``terms`` to match: a word missing from the most
    common words counts as rare (none), an alternative as its rarest token, a term as the sum of
    its alternatives, the query as its rarest term."""
    rows, frequency = _word_statistics(model._meta.db_table, model._meta.get_field(vector).column)
    share = min(
        (sum(min((frequency.get(t, 0.0) for t in alternative), default=0.0) for alternative in term) for term in terms),
        default=0.0,
    )
    return rows * share


_statistics: dict[tuple[str, str], tuple[float, tuple[float, dict[str, float]]]] = {}


def _word_statistics(table: str, column: str) -> tuple[float, dict[str, float]]:
    """The table's estimated rows and the column's most common words with their shares (ANALYZE's)."""
    key = (table, column)
    cached = _statistics.get(key)
    if cached and time.monotonic() - cached[0] < STATISTICS_SECONDS:
        return cached[1]
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs FROM pg_class c "
            "LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = %s AND s.schemaname = current_schema() "
            "WHERE c.oid = to_regclass(%s)",
            [column, table],
        )
        row = cursor.fetchone()
    rows, words, shares = row if row else (0.0, None, None)
    found = (max(float(rows), 0.0), dict(zip(words or [], shares or [], strict=False)))
    _statistics[key] = (time.monotonic(), found)
    return found


def forget_word_statistics() -> None:
    """Read the statistics again at the next search (after ANALYZE, in tests)."""
    _statistics.clear()


class Highlighter:
    """Marks one query's matches in many texts (the query is read once)."""

    def __init__(self, query: str, *, width: int = 80) -> None:
        terms = parse_query(query) if query.strip() else []
        self.wanted = {token for term in terms for alternative in term for token in alternative}
        self.width = width

    def marks(self, norm: str) -> list[tuple[int, int]]:
        found = [(s, e) for s, e, canonical in vocabulary().match(norm) if canonical in self.wanted]
        for token in self.wanted:
            start = norm.find(token)
            while start >= 0:
                found.append((start, start + len(token)))
                start = norm.find(token, start + len(token))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def snippet(self, text: str | None) -> SafeString:
        text = text or ""
        width = self.width
        marks = self.marks(normalise(text)) if self.wanted else []
        start = 0
        if marks and len(text) > width:
            start = max(0, min(marks[0][0] - width // 4, len(text) - width))
        end = min(len(text), start + width)
        pieces = ["…" if start > 0 else ""]
        position = start
        for mark_start, mark_end in marks:
            if mark_end <= start or mark_start >= end:
                continue
            mark_start, mark_end = max(mark_start, start), min(mark_end, end)
            pieces.append(html.escape(text[position:mark_start]))
            pieces.append(f"<mark>{html.escape(text[mark_start:mark_end])}</mark>")
            position = mark_end
        pieces.append(html.escape(text[position:end]))
        pieces.append("…" if end < len(text) else "")
        return mark_safe("".join(pieces))  # noqa: S308 - every piece of the text is escaped above


def highlight(text: str | None, query: str, *, width: int = 80) -> SafeString:
    """A snippet of ``text`` (``width`` characters) around the first match of ``query``.

    Matches are wrapped in <mark>, everything else is HTML-escaped. Done in Python over the
    original text (normalisation keeps offsets), so what is shown is what was written,
    synonyms included: "拖欠工资" marks "工资一直没发".
    """
    return Highlighter(query, width=width).snippet(text)
