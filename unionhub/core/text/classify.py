"""Category suggestion: multinomial naive Bayes over text features, primed by the vocabulary.

Each category starts with PRIOR_MASS pseudo-counts spread over its vocabulary: its
indicative words, and (CANONICAL_WEIGHT times as much) the canonical words of its synonym
groups, so that suggestions work before any case is handled. Every case staff confirm or
correct adds its features to ``TextCategoryCount`` through ``learn``; the model is the
vocabulary prior plus those counts. Features the model has never seen are left out (they
would only favour the categories with the fewest words).

The model is built from the table once per process and rebuilt when this process learns
or after MODEL_TTL seconds, so other processes see a lesson within a minute.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .segment import features
from .vocabulary import CATEGORY_KEYS, OTHER, vocabulary

PRIOR_MASS = 60.0  # pseudo-counts per category from the vocabulary
CANONICAL_WEIGHT = 3.0  # a synonym group's canonical word weighs this many indicative words
PRIOR_TEXTS = 20.0  # pseudo-texts per category: equal odds until cases say otherwise
ALPHA = 1.0  # Laplace smoothing
MODEL_TTL = 60.0
DOCUMENTS = ""  # the token of the row that counts texts

TrainingSource = Callable[[], Iterable[tuple[str, str]]]
_sources: list[TrainingSource] = []


def register_training_source(source: TrainingSource) -> None:
    """Let ``rebuild_from_sources`` read handled cases as (text, category) pairs (events registers grievances)."""
    if source not in _sources:
        _sources.append(source)


def vocabulary_prior() -> dict[str, dict[str, float]]:
    vocab = vocabulary()
    prior: dict[str, dict[str, float]] = {}
    for key in CATEGORY_KEYS:
        weights: dict[str, float] = dict.fromkeys(vocab.categories[key], 1.0)
        for group in vocab.synonyms:
            if group.category == key:
                weights[group.canonical] = CANONICAL_WEIGHT
        total = sum(weights.values())
        prior[key] = {word: PRIOR_MASS * weight / total for word, weight in weights.items()}
    return prior


@dataclass
class CategoryModel:
    """Log-probabilities per known feature, one per category (CATEGORY_KEYS order)."""

    log_prior: tuple[float, ...]
    log_likelihood: dict[str, tuple[float, ...]]

    @classmethod
    def build(cls, learned: dict[str, Counter[str]] | None = None, texts: Counter[str] | None = None) -> CategoryModel:
        learned, texts = learned or {}, texts or Counter()
        counts: dict[str, dict[str, float]] = {}
        for key, weights in vocabulary_prior().items():
            merged = dict(weights)
            for token, n in learned.get(key, Counter()).items():
                merged[token] = merged.get(token, 0.0) + n
            counts[key] = merged
        known = set().union(*counts.values())
        size = len(known)
        denominators = [sum(counts[key].values()) + ALPHA * size for key in CATEGORY_KEYS]
        log_likelihood = {
            token: tuple(
                math.log((counts[key].get(token, 0.0) + ALPHA) / denominators[i]) for i, key in enumerate(CATEGORY_KEYS)
            )
            for token in known
        }
        total_texts = sum(PRIOR_TEXTS + texts[key] for key in CATEGORY_KEYS)
        log_prior = tuple(math.log((PRIOR_TEXTS + texts[key]) / total_texts) for key in CATEGORY_KEYS)
        return cls(log_prior, log_likelihood)

    def scores(self, tokens: Iterable[str]) -> list[float] | None:
        scores = list(self.log_prior)
        seen = False
        for token in tokens:
            row = self.log_likelihood.get(token)
            if row is not None:
                seen = True
                scores = [s + r for s, r in zip(scores, row, strict=True)]
        return scores if seen else None

    def suggest_tokens(self, tokens: Iterable[str]) -> tuple[str, float]:
        scores = self.scores(tokens)
        if scores is None:
            return OTHER, 0.0  # nothing the vocabulary or past cases know
        top = max(scores)
        odds = [math.exp(s - top) for s in scores]
        best = odds.index(1.0)
        return CATEGORY_KEYS[best], round(1.0 / sum(odds), 3)

    def suggest(self, text: str) -> tuple[str, float]:
        return self.suggest_tokens(features(text))


_lock = threading.Lock()
_model: CategoryModel | None = None
_built_at = 0.0


def load_model() -> CategoryModel:
    """The vocabulary prior plus every count in TextCategoryCount."""
    from ..models import TextCategoryCount

    learned: dict[str, Counter[str]] = defaultdict(Counter)
    texts: Counter[str] = Counter()
    for category, token, count in TextCategoryCount.objects.filter(count__gt=0).values_list(
        "category", "token", "count"
    ):
        if category not in CATEGORY_KEYS:
            continue  # a category since removed from the vocabulary
        if token == DOCUMENTS:
            texts[category] = count
        else:
            learned[category][token] = count
    return CategoryModel.build(learned, texts)


def current_model() -> CategoryModel:
    global _model, _built_at
    if _model is None or time.monotonic() - _built_at > MODEL_TTL:
        with _lock:
            if _model is None or time.monotonic() - _built_at > MODEL_TTL:
                _model, _built_at = load_model(), time.monotonic()
    return _model


def forget_model() -> None:
    """Rebuild the model on next use (after learning, and in tests)."""
    global _model
    _model = None


def suggest_category(text: str) -> tuple[str, float]:
    """The suggested category key for ``text`` and its probability (0–1) under the model.

    ("other", 0.0) when the text has no word the vocabulary or past cases know.
    """
    return current_model().suggest(text)


def _check(key: str) -> None:
    if key not in CATEGORY_KEYS:
        raise ValueError(f"unknown category {key!r}")


def learn(text: str, key: str, *, forget: str | None = None) -> None:
    """Teach the model that ``text`` belongs to ``key`` (staff confirmed or chose the category).

    When staff change a category they had confirmed before, pass the old one as ``forget``
    so that the text's earlier lesson is taken back. Call it inside the action's transaction.
    """
    from django.db import connection, transaction

    from ..models import TextCategoryCount

    _check(key)
    if forget is not None:
        _check(forget)
    words = Counter(t for t in features(text) if len(t) <= 64)
    words[DOCUMENTS] = 1
    table = TextCategoryCount._meta.db_table
    tokens, counts = list(words), list(words.values())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (category, token, count) '  # noqa: S608 - our own table name
            "SELECT %s, t, n FROM unnest(%s::text[], %s::int[]) AS u(t, n) "
            f'ON CONFLICT (category, token) DO UPDATE SET count = "{table}".count + EXCLUDED.count',
            [key, tokens, counts],
        )
        if forget is not None and forget != key:
            cursor.execute(
                f'UPDATE "{table}" AS c SET count = GREATEST(c.count - u.n, 0) '  # noqa: S608 - our own table name
                "FROM unnest(%s::text[], %s::int[]) AS u(t, n) WHERE c.category = %s AND c.token = u.t",
                [tokens, counts, forget],
            )
    forget_model()


def rebuild(pairs: Iterable[tuple[str, str]]) -> int:
    """Replace every learned count with those of ``pairs`` (text, key); returns the texts read.

    One transaction under an advisory lock: two rebuilds at once give the same table.
    """
    from django.db import connection, transaction

    from ..models import TextCategoryCount

    counts: dict[tuple[str, str], int] = Counter()
    read = 0
    for text, key in pairs:
        if key not in CATEGORY_KEYS:
            continue
        read += 1
        counts[(key, DOCUMENTS)] += 1
        for token in features(text):
            if len(token) <= 64:
                counts[(key, token)] += 1
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('core.text.rebuild'))")
        TextCategoryCount.objects.all().delete()
        TextCategoryCount.objects.bulk_create(
            (TextCategoryCount(category=k, token=t, count=n) for (k, t), n in counts.items()), batch_size=5_000
        )
    forget_model()
    return read


def rebuild_from_sources() -> int:
    """Rebuild from every registered training source (the Celery task ``core.rebuild_text_categories``)."""
    return rebuild(pair for source in _sources for pair in source())
