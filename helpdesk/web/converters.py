"""URL converters shared by every area."""
from werkzeug.routing import IntegerConverter


class DatabaseId(IntegerConverter):
    """<int:…> in our URLs: an id that fits the database's integer columns (larger is a 404, not a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
