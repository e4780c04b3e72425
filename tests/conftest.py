"""Shared test setup: Qt offscreen, and no test ever touches the user's real store."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
