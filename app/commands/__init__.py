"""Subcommand handlers of the ``syncdesk`` command line, one module per group."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Adder = Callable[..., argparse.ArgumentParser]


def register_all(add: Adder) -> None:
    """Declare every store-backed subcommand through ``add(name, handler, help)``."""
    from app.commands import (
        connection,
        documents,
        fix,
        gui,
        importing,
        status,
        store,
        sync,
        users,
    )

    store.register(add)
    status.register(add)
    importing.register(add)
    documents.register(add)
    connection.register(add)
    sync.register(add)
    fix.register(add)
    users.register(add)
    gui.register(add)
