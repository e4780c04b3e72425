"""``--set FIELD=VALUE`` on the command line: the pairs a service takes as a mapping."""

from __future__ import annotations

from collections.abc import Sequence

from app.errors import UsageError


def parse_assignments(pairs: Sequence[str]) -> list[tuple[str, str]]:
    """``field=value`` strings as pairs; a pair without ``=`` is a usage error."""
    result = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set takes field=value, not {pair!r}")
        result.append((name.strip(), value))
    return result
