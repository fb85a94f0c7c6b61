"""Hot words: what a set of texts (a zone's grievances in a quarter) talks about most.

Plain document frequency, not TF-IDF: the dashboards ask per zone and quarter, a few
dozen to a few hundred texts, and there is no stable background corpus to weigh against.
Stop words and ``hot_stop_words`` (words true of every text: 公司, 职工 …) are dropped,
single characters too, every wording of a synonym group counts as its canonical word, and
words of the union vocabulary rank as if seen VOCABULARY_BOOST times as often (they are
what staff act on). The counts returned are the real number of texts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .segment import analyse
from .vocabulary import vocabulary

VOCABULARY_BOOST = 2.0


def hot_words(texts: Iterable[str], top: int = 20) -> list[tuple[str, int]]:
    """The ``top`` words by number of texts mentioning them: [(word, texts), …], hottest first."""
    vocab = vocabulary()
    known = vocab.words
    counts: Counter[str] = Counter()
    for text in texts:
        if not text:
            continue
        result = analyse(text)
        counts.update({w for w in (*result.words, *result.canon) if len(w) > 1 and w not in vocab.hot_stop_words})
    ranked = sorted(
        counts.items(), key=lambda item: (-item[1] * (VOCABULARY_BOOST if item[0] in known else 1), item[0])
    )
    return ranked[:top]
