"""JSON with exact decimals both ways (money never passes through float).

Used on the wire to QuickBooks and for the store's JSON columns.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?\d+(?:\.\d+)?)"')


def _mark(value: Any, allow_float: bool) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as JSON")
        return _MARK + format(value, "f")
    if isinstance(value, float) and not allow_float:
        raise TypeError("money must be Decimal, never float")
    if isinstance(value, dict):
        return {k: _mark(v, allow_float) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(v, allow_float) for v in value]
    return value


def dumps(body: Any, allow_float: bool = False) -> str:
    """JSON text where every Decimal is written as the exact number it holds.

    Floats are refused unless ``allow_float`` (for values that are not money,
    such as timestamps).
    """
    return _MARKED.sub(r"\1", json.dumps(_mark(body, allow_float), ensure_ascii=False))


def dumps_lenient(body: Any) -> str:
    return dumps(body, allow_float=True)


def loads(text: str | bytes) -> Any:
    """JSON with every non-integer number read as a Decimal."""
    return json.loads(text, parse_float=Decimal)
