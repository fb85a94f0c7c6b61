"""Chinese text tools: segmentation, search documents and queries, category suggestion,
duplicate hints and hot words, all driven by the union vocabulary (``vocabulary.toml``).

DESIGN.md puts them in ``core`` so that every app can index its text. docs/text.md
describes them. jieba is loaded once per process, lazily, on first use; importing this
package is cheap.

- ``tokens`` / ``search_document``: what a row stores for full-text search;
  ``unionhub.core.text.search`` turns a query into a ``simple`` tsquery and highlights.
- ``suggest_category`` / ``learn``: ``unionhub.core.text.classify``.
- ``similarity`` / ``similar_texts``: ``unionhub.core.text.similar``.
- ``hot_words``: ``unionhub.core.text.hot``.
"""

from .hot import hot_words
from .segment import analyse, features, normalise, search_document, tokens
from .similar import similar_texts, similarity, token_set
from .vocabulary import CATEGORY_KEYS, vocabulary

__all__ = [
    "CATEGORY_KEYS",
    "analyse",
    "features",
    "hot_words",
    "normalise",
    "search_document",
    "similar_texts",
    "similarity",
    "token_set",
    "tokens",
    "vocabulary",
]
