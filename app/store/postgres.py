"""What is PostgreSQL-specific about a team store (the counterpart of ``sqlite.py``)."""

from __future__ import annotations

from sqlalchemy.engine import make_url

DRIVER = "psycopg"  # psycopg 3, installed with SyncDesk


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def with_driver(url: str) -> str:
    """``postgresql://…`` as people write it, with the driver SyncDesk ships named."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != DRIVER:
        parsed = parsed.set(drivername=f"postgresql+{DRIVER}")
    return parsed.render_as_string(hide_password=False)
