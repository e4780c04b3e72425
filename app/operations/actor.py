"""Who is acting: the OS user until team mode brings named users."""

from __future__ import annotations

import getpass


def current_actor() -> str:
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return "unknown"
