"""Open311 answers in JSON or XML, shaped as GeoReport v2 has them (a list, or an XML root of items).

The XML is written with xml.etree: each dict is an element per key; a list becomes repeated
elements named by LIST_ITEMS (``attributes`` → ``attribute``); None is an empty element.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def render(data: Any, fmt: str, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    """``data`` as JSON, or as XML under ``root`` (a list's items each under ``item``)."""
    if fmt == "xml":
        element = ET.Element(root)
        if isinstance(data, list):
            for entry in data:
                _fill(ET.SubElement(element, item or "item"), entry)
        else:
            _fill(element, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, content_type=FORMATS[fmt], status=status)


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list: [{"code": …, "description": …}] or <errors><error>…</error></errors>."""
    listed = [{"code": status, "description": str(text)} for text in descriptions]
    return render(listed, fmt, root="errors", item="error", status=status)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, list):
                holder = ET.SubElement(element, key)
                for entry in inner:
                    _fill(ET.SubElement(holder, LIST_ITEMS.get(key, "item")), entry)
            else:
                _fill(ET.SubElement(element, key), inner)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)
