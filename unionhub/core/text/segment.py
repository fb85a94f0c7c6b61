"""Normalisation and segmentation: jieba with the union vocabulary, loaded once per process.

Three views of a text, all normalised (full-width → half-width, lower case), with stop
words and punctuation dropped:

- ``tokens(text)``: jieba's search mode (words and the dictionary words inside them) plus
  the canonical word of every synonym wording found. Stored, space-joined, by
  ``search_document`` and matched with the ``simple`` configuration.
- ``analyse(text)``: jieba's precise mode, with the words that a synonym wording covers
  replaced by its canonical word ("工资一直没发" → "欠薪"). Queries, category features,
  duplicate hints and hot words use it, so that every wording of a meaning counts as one.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .vocabulary import vocabulary

# Half-width for the full-width ASCII block and the ideographic space: "ＡＢＣ１２３" is "abc123".
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# What the simple configuration keeps as one lexeme: a run of letters or digits (CJK included).
_RUN = re.compile(r"[^\W_]+")
# jieba frequency for the vocabulary's words: high enough that "户外劳动者" stays whole.
USER_WORD_FREQ = 20_000

_lock = threading.Lock()
_tokenizer: Any = None


def normalise(text: str) -> str:
    """Full-width to half-width and lower case, keeping every character's offset."""
    text = text.translate(_FULL_WIDTH)
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)  # "İ" would grow


def cache_dir() -> Path:
    """Where jieba keeps its prefix-dictionary cache: settings.TEXT_CACHE_DIR, or the temp folder.

    Never inside the virtualenv, which is read-only in production images.
    """
    from django.conf import settings

    configured = getattr(settings, "TEXT_CACHE_DIR", None) if settings.configured else None
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / f"unionhub-jieba-{os.getuid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tokenizer() -> Any:
    """The process's jieba tokenizer with the union vocabulary (built on first use, thread-safe)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                made = jieba.Tokenizer()
                made.tmp_dir = str(cache_dir())
                made.initialize()
                for word in vocabulary().user_words:
                    made.add_word(word.lower(), freq=USER_WORD_FREQ)
                _tokenizer = made
    return _tokenizer


def _clean(words: Iterable[str], stop: frozenset[str]) -> Iterator[str]:
    for word in words:
        for run in _RUN.findall(word):
            if run not in stop:
                yield run


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass(frozen=True)
class Analysis:
    words: tuple[str, ...]  # precise-mode words outside synonym wordings, in order
    canon: tuple[str, ...]  # canonical words of the synonym groups found, in order, unique
    spans: tuple[tuple[int, int, str], ...]  # where each wording was found in the normalised text


def analyse(text: str) -> Analysis:
    vocab = vocabulary()
    norm = normalise(text)
    spans = vocab.match(norm)
    words: list[str] = []
    start = 0
    for word in tokenizer().cut(norm):  # precise mode covers the text: offsets are running sums
        end = start + len(word)
        if not any(s <= start and end <= e for s, e, _ in spans):  # else its canonical word stands for it
            words.extend(_clean([word], vocab.stop_words))
        start = end
    return Analysis(tuple(words), tuple(_unique(c for _, _, c in spans)), tuple(spans))


def features(text: str) -> list[str]:
    """Category and similarity features: precise words outside wordings, and canonical words."""
    result = analyse(text)
    return [*result.words, *result.canon]


def tokens(text: str) -> list[str]:
    """Search tokens: jieba search mode, normalised, stop words dropped, canonical words added; unique."""
    vocab = vocabulary()
    norm = normalise(text)
    found = _clean(tokenizer().cut_for_search(norm), vocab.stop_words)
    return _unique([*found, *(c for _, _, c in vocab.match(norm))])


def search_document(text: str) -> str:
    """What a row stores for search: its tokens joined by spaces, for to_tsvector('simple', …)."""
    return " ".join(tokens(text)) if text else ""


def subwords(word: str) -> list[str]:
    """The dictionary words jieba's search mode finds inside ``word`` (not the word itself)."""
    stop = vocabulary().stop_words
    return [w for w in _unique(_clean(tokenizer().cut_for_search(word), stop)) if w != word]
