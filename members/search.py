"""Index-assisted name search for Chinese names of two or three characters.

pg_trgm cannot use its index for a two-character term, and most Chinese names have two or
three characters. Each member row therefore keeps the array of its name's character
bigrams under a GIN index: a search for "秦伟" is ``name_bigrams @> {秦伟}``, and a longer
term needs all its bigrams and then an exact substring check on the few rows left.
"""

from django.db.models import Q


def name_bigrams(name: str) -> list[str]:
    name = "".join(name.split())
    return sorted({name[i : i + 2] for i in range(len(name) - 1)}) if len(name) > 1 else []


def name_search_q(term: str) -> Q:
    term = "".join(term.split())
    if not term:
        return Q(pk__in=[])
    if len(term) == 1:
        # One character: a prefix (family name) match on the name's B-tree.
        return Q(name__startswith=term)
    condition = Q(name_bigrams__contains=name_bigrams(term))
    return condition if len(term) == 2 else condition & Q(name__contains=term)
