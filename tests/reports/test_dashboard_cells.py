"""The dashboard tables' cells, built in Python (unionhub.reports.views.with_cells), read as the template wrote them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from unionhub.reports.views import with_cells

# What the tables' templates rendered per cell before the cells were built in Python.
CELL = Template(
    "{% for value in row.values %}"
    """<td data-value="{{ value|default_if_none:'' }}">{{ value|default_if_none:"—" }}</td>"""
    "{% endfor %}"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_cell_reads_as_the_template_wrote_it(language):
    columns = [(key, key) for key in ("a", "b", "c", "d", "e", "f", "g")]
    rows = [
        {"id": 1, "a": 0, "b": 12345, "c": 45.5, "d": None, "e": Decimal("1.00"), "f": Decimal("1.0"), "g": "<x>"},
        {"id": 2, "a": 12345, "b": 0, "c": None, "d": 3.0, "e": Decimal("1.0"), "f": Decimal("1.00"), "g": 7},
    ]
    with translation.override(language):
        built = with_cells(rows, columns)
        for row, cells in zip(rows, built, strict=True):
            expected = CELL.render(Context({"row": {"values": [row[key] for key, _label in columns]}}))
            assert str(cells["cells"]) == expected
            assert cells["id"] == row["id"]
