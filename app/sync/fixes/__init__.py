"""Fix-it repairs: one module per fix id (``FIXES`` in ``app.domain.problems``).

See ``base`` for the shape of a fix, ``targets`` for finding the documents to fix,
``runner`` for applying a plan, resending and verifying.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from app.domain.problems import FIXES, TRANSIENT
from app.errors import UserError

#: The fix id of a problem that needs no repair of its own: the document simply goes
#: again (the ``retry`` fix sends it now).
RETRY = "retry"


def fix_ids() -> frozenset[str]:
    """Every fix id a problem can point at."""
    return frozenset(FIXES.values())


def module_for(fix_id: str) -> ModuleType:
    """The module of one fix id (``UserError`` when SyncDesk has none for it yet)."""
    if fix_id not in fix_ids():
        raise UserError(f"SyncDesk has no fix named '{fix_id}'.")
    try:
        return importlib.import_module(f"app.sync.fixes.{fix_id}")
    except ModuleNotFoundError as exc:
        if exc.name != f"app.sync.fixes.{fix_id}":
            raise
        raise UserError(f"SyncDesk cannot repair this problem by itself yet ({fix_id}).") \
            from None


__all__ = ["RETRY", "TRANSIENT", "fix_ids", "module_for"]
