"""JSON on the wire with exact decimals both ways (money never passes through float)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?\d+(?:\.\d+)?)"')


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to QuickBooks")
        return _MARK + format(value, "f")
    if isinstance(value, float):
        raise TypeError("money must be Decimal, never float")
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(v) for v in value]
    return value


def dumps(body: Any) -> str:
    """JSON text where every Decimal is written as the exact number it holds."""
    return _MARKED.sub(r"\1", json.dumps(_mark(body), ensure_ascii=False))


def loads(text: str | bytes) -> Any:
    """JSON with every non-integer number read as a Decimal."""
    return json.loads(text, parse_float=Decimal)
