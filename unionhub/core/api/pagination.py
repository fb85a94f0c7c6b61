from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Keyset pagination by primary key: no COUNT(*) and no OFFSET, at any depth of a big table."""

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 200
