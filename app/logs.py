"""Logging to stderr and to a file in the OS log folder, with secrets scrubbed.

Tokens and client secrets are never logged on purpose; as a second line of
defence every handler SyncDesk installs replaces any registered secret with
``[redacted]`` before a record is written.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

_secrets: set[str] = set()
_lock = threading.Lock()
MIN_SECRET = 8  # shorter strings would scrub ordinary words


def register_secret(value: str | None) -> None:
    """Remember a value that must never appear in a log line."""
    if value and len(value) >= MIN_SECRET:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return text


def redact_all(value: Any) -> Any:
    """``value`` (text, or a JSON-like mapping or list of them) with every registered
    secret replaced: for what QuickBooks answered before it is stored or shown."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def log_path() -> Path:
    return Path(platformdirs.user_log_dir("SyncDesk", appauthor=False)) / "syncdesk.log"


FILE_ONLY = {"file_only": True}  # ``extra=`` for a record meant for the log file only


class _NotFileOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


def configure_logging(verbose: bool = False) -> Path | None:
    """Send SyncDesk's logs to stderr (warnings, or everything with -v) and to the log file.

    Returns the log file's path, or None when it cannot be written (then the
    console gets what the file would have had).
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "syncdesk", False)]:
        root.removeHandler(handler)
        handler.close()
    path: Path | None = log_path()
    assert path is not None
    handlers: list[logging.Handler] = []
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000,
                                                            backupCount=3, encoding="utf-8")
    except OSError:
        path = None
    else:
        file_handler.setLevel(logging.INFO)
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                                    "%(message)s"))
        handlers.append(file_handler)
        console.addFilter(_NotFileOnly())
    handlers.append(console)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.syncdesk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # These libraries log whole token answers and callback URLs at DEBUG level.
    for chatty in ("requests_oauthlib", "oauthlib", "urllib3"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # Alembic says "Context impl SQLiteImpl" at every open; SyncDesk logs its own
    # line when it creates or upgrades a store.
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)
    return path
