"""The union vocabulary, read from ``vocabulary.toml`` beside this module (data, not code)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")

# The grievance categories, in the vocabulary file's order; shared with events' choices.
CATEGORY_KEYS = (
    "wage_arrears",
    "labour_contract",
    "work_injury",
    "social_insurance",
    "occupational_safety",
    "working_hours",
    "hardship",
    "consultation",
    "suggestion",
    "other",
)
OTHER = "other"

# "*" in a variant: up to six letters or digits (no punctuation, no space), so a wording
# stays inside one clause: "工资*没发" matches "工资已经三个月没发" but not across a full stop.
GAP = r"[^\W_]{0,6}?"


@dataclass(frozen=True)
class SynonymGroup:
    canonical: str
    category: str | None
    variants: tuple[str, ...]
    pattern: re.Pattern[str]

    @property
    def plain_variants(self) -> tuple[str, ...]:
        return tuple(v for v in self.variants if "*" not in v)


@dataclass(frozen=True)
class Vocabulary:
    user_words: tuple[str, ...]
    stop_words: frozenset[str]
    hot_stop_words: frozenset[str]
    categories: dict[str, tuple[str, ...]]  # key -> indicative words
    labels: dict[str, str]
    synonyms: tuple[SynonymGroup, ...]

    def match(self, normalised: str) -> list[tuple[int, int, str]]:
        """Every synonym wording found in normalised text: (start, end, canonical), by start."""
        found = []
        for group in self.synonyms:
            for m in group.pattern.finditer(normalised):
                if m.end() > m.start():
                    found.append((m.start(), m.end(), group.canonical))
        found.sort()
        return found

    @property
    def words(self) -> frozenset[str]:
        """Every word the vocabulary knows: dictionary, indicative and canonical words."""
        known = set(self.user_words)
        for words in self.categories.values():
            known.update(words)
        known.update(g.canonical for g in self.synonyms)
        return frozenset(known)


def _pattern(variants: list[str]) -> re.Pattern[str]:
    ordered = sorted({v.lower() for v in variants}, key=len, reverse=True)  # longest wording first
    return re.compile("|".join(GAP.join(re.escape(part) for part in v.split("*")) for v in ordered))


def parse(data: dict) -> Vocabulary:  # type: ignore[type-arg]
    categories = data["categories"]
    unknown = set(categories) ^ set(CATEGORY_KEYS)
    if unknown:
        raise ValueError(f"vocabulary categories differ from CATEGORY_KEYS: {sorted(unknown)}")
    groups = []
    for entry in data.get("synonyms", []):
        category = entry.get("category")
        if category is not None and category not in CATEGORY_KEYS:
            raise ValueError(f"synonym group {entry['canonical']}: unknown category {category}")
        variants = [entry["canonical"], *entry["variants"]]
        groups.append(SynonymGroup(entry["canonical"].lower(), category, tuple(variants), _pattern(variants)))
    user_words = list(data["dictionary"]["words"])
    user_words += [g.canonical for g in groups if g.canonical not in user_words]
    return Vocabulary(
        user_words=tuple(user_words),
        stop_words=frozenset(data.get("stop_words", [])),
        hot_stop_words=frozenset(data.get("hot_stop_words", [])),
        categories={key: tuple(w.lower() for w in categories[key]["words"]) for key in CATEGORY_KEYS},
        labels={key: categories[key].get("label", key) for key in CATEGORY_KEYS},
        synonyms=tuple(groups),
    )


@cache
def vocabulary() -> Vocabulary:
    with VOCABULARY_FILE.open("rb") as f:
        return parse(tomllib.load(f))
