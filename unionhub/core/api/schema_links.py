"""OpenAPI links between operations, added to the generated schema once for every viewset.

A link says "the ``id`` in this answer is the ``id`` that operation takes in its path". They are
derived, not written per view:

- a write (``POST``, ``PUT``, ``PATCH``) whose success answer is a resource that a ``GET …/{id}/``
  returns links to every operation under that ``…/{id}/`` (read, change, delete and the detail
  actions such as ``…/{id}/verify/``) with ``id`` from the answer's ``id``: a create leads to the
  row it created, an action to the row it changed, ``hardship-suggestions/{id}/accept/`` to the
  hardship case it opened;
- a list (``GET`` of a collection, paginated ``results``) links to the same operations with the
  first row's ``id``.

The resource is known by its component (``Grievance``); when several detail paths answer with the
same component (``Job``), only the one under the source's own collection is linked, or none. Swagger
UI shows the links, and schemathesis's stateful phase follows them (``tests/test_api_fuzz.py``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
DETAIL = re.compile(r"^(?P<collection>.*/)\{id\}/$")
WRITES = ("post", "put", "patch")
METHODS = ("get", "put", "patch", "delete", "post")


def _component(response: dict[str, Any]) -> str | None:
    """The component a response's JSON body is, if it is one by reference."""
    for media in response.get("content", {}).values():
        reference = media.get("schema", {}).get("$ref", "")
        if reference.startswith("#/components/schemas/"):
            return reference.rsplit("/", 1)[1]
    return None


def _listed_component(components: dict[str, Any], name: str | None) -> str | None:
    """The component of a paginated list's ``results`` rows."""
    if name is None:
        return None
    results = components.get(name, {}).get("properties", {}).get("results", {})
    reference = results.get("items", {}).get("$ref", "") if results.get("type") == "array" else ""
    return reference.rsplit("/", 1)[1] if reference.startswith("#/components/schemas/") else None


def _has_id(components: dict[str, Any], name: str) -> bool:
    return "id" in components.get(name, {}).get("properties", {})


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add ``links`` to the answers that lead to a detail path."""
    paths: dict[str, dict[str, Any]] = result.get("paths", {})
    components: dict[str, Any] = result.get("components", {}).get("schemas", {})

    # Resource component → the detail paths that read it (``/api/v1/grievances/{id}/``).
    detail_paths: dict[str, list[str]] = defaultdict(list)
    for path, item in paths.items():
        read = item.get("get")
        if DETAIL.match(path) and read:
            name = _component(read.get("responses", {}).get("200", {}))
            if name and _has_id(components, name):
                detail_paths[name].append(path)

    def detail_for(name: str | None, source_path: str) -> str | None:
        candidates = detail_paths.get(name or "", [])
        own = re.sub(r"\{id\}/.*$", "", source_path) + "{id}/"
        if own in candidates:
            return own
        return candidates[0] if len(candidates) == 1 else None

    def targets(detail: str) -> list[tuple[str, str, str]]:
        """Every operation under a detail path whose only path parameter is ``id``."""
        found = []
        for path, item in paths.items():
            if path.startswith(detail) and set(PATH_PARAMETER.findall(path)) == {"id"}:
                for method in METHODS:
                    if method in item and "operationId" in item[method]:
                        found.append((path, method, item[method]["operationId"]))
        return found

    for path, item in paths.items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for status, response in list(operation.get("responses", {}).items()):
                if not status.startswith("2"):
                    continue
                name = _component(response)
                if method in WRITES:
                    detail, expression = detail_for(name, path), "$response.body#/id"
                elif method == "get" and not PATH_PARAMETER.search(path):
                    listed = _listed_component(components, name)
                    detail, expression = detail_for(listed, path), "$response.body#/results/0/id"
                else:
                    continue
                if detail is None:
                    continue
                links = {
                    operation_id: {
                        "operationId": operation_id,
                        "parameters": {"id": expression},
                        "description": f"`id` of {'the first row' if method == 'get' else 'the answer'} "
                        f"as `id` of {target_method.upper()} {target_path}",
                    }
                    for target_path, target_method, operation_id in targets(detail)
                    if (target_path, target_method) != (path, method)
                }
                if links:  # a copy: one response object may serve several operations
                    operation["responses"][status] = {**response, "links": links}
    return result
