"""Duplicate hints: how much two texts say the same thing (Jaccard over their feature sets)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from .segment import tokens

K = TypeVar("K")

# Two grievances about the same matter usually share their canonical words and most nouns;
# at 0.4 "工资三个月没发，老板跑路了" and "老板跑路，三个月工资没发" pair up while two
# wage complaints about different things do not (tests/core/test_text.py).
DUPLICATE_THRESHOLD = 0.4


def token_set(text: str) -> frozenset[str]:
    """The words a text is compared by: its search tokens (words, the words inside them, canonical words)."""
    return frozenset(tokens(text))


def similarity(a_tokens: Iterable[str], b_tokens: Iterable[str]) -> float:
    """Jaccard similarity of two token collections: 1.0 for the same words, 0.0 for none shared."""
    a, b = set(a_tokens), set(b_tokens)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar_texts(
    text: str, candidates: Iterable[tuple[K, str]], *, threshold: float = DUPLICATE_THRESHOLD, limit: int = 5
) -> list[tuple[K, float]]:
    """The candidates (id, text) that resemble ``text`` at least ``threshold``: most similar first.

    The caller chooses the candidates (e.g. open grievances about the same employer), so this
    stays a plain function over a few dozen texts.
    """
    mine = token_set(text)
    scored = [(key, similarity(mine, token_set(other))) for key, other in candidates]
    scored = [(key, round(score, 3)) for key, score in scored if score >= threshold]
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
