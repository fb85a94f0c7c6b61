"""Hot words: what a set of texts (a zone's grievances in a quarter) talks about most.

Plain document frequency, not TF-IDF: the dashboards ask per zone and quarter, a few
dozen to a few hundred texts, and there is no stable background corpus to weigh against.
Stop words and ``hot_stop_words`` (words true of every text: 公司, 职工 …) are dropped,
single characters too, every wording of a synonym group counts as its canonical word, and
words of the union vocabulary rank as if seen VOCABULARY_BOOST times as often (they are
what staff act on). The counts returned are the real number of texts.

Words that could point at a person are never counted (``identifying``): anything with a
digit (a phone number, a masked ID number, a room or plate number) and anything jieba tags
as a personal name (张伟, 李师傅), unless the union vocabulary knows it (12351 stays).

``word_counts`` and ``rank`` are the two halves of ``hot_words``: the dashboard's summary
refresh keeps each zone's counts per quarter and ranks their sums (unionhub.reports).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from .segment import analyse, tokenizer
from .vocabulary import vocabulary

VOCABULARY_BOOST = 2.0
_DIGIT = re.compile(r"[0-9]")
_lock = threading.Lock()
_tagger: Any = None


def _pos_tagger() -> Any:
    """jieba's part-of-speech tagger over the process's tokenizer (its dictionary carries the name tags)."""
    global _tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                from jieba import posseg

                _tagger = posseg.POSTokenizer(tokenizer())
    return _tagger


@lru_cache(maxsize=20_000)
def identifying(word: str) -> bool:
    """Whether a word could identify a person: it holds a digit, or jieba reads a personal name in it."""
    if word in vocabulary().words:
        return False
    if _DIGIT.search(word):
        return True
    return any(pair.flag.startswith("nr") for pair in _pos_tagger().cut(word))


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """How many of the texts mention each word (stop words, single characters and identifying words left out)."""
    stop = vocabulary().hot_stop_words
    counts: Counter[str] = Counter()
    for text in texts:
        if not text:
            continue
        result = analyse(text)
        counts.update({w for w in (*result.words, *result.canon) if len(w) > 1 and w not in stop})
    for word in [w for w in counts if identifying(w)]:
        del counts[word]
    return counts


def rank(counts: Mapping[str, int], top: int = 20) -> list[tuple[str, int]]:
    """The ``top`` words of a count, vocabulary words boosted: [(word, texts), …], hottest first."""
    known = vocabulary().words
    ranked = sorted(
        counts.items(), key=lambda item: (-item[1] * (VOCABULARY_BOOST if item[0] in known else 1), item[0])
    )
    return ranked[:top]


def hot_words(texts: Iterable[str], top: int = 20) -> list[tuple[str, int]]:
    """The ``top`` words by number of texts mentioning them: [(word, texts), …], hottest first."""
    return rank(word_counts(texts), top)
