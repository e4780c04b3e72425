"""What became of one document in a sync run, the signal that stops a run, and what a
create in flight is found by: shared by the engine (app/sync/engine.py) and its batches
(app/sync/batching.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Outcome:
    kind: str
    number: str
    action: str  # create, update, adopt, close, skip, blocked, failed, would-create, …
    sync_state: str
    problem: str | None = None
    explanation: str | None = None
    qbo_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class Stop(Exception):
    """Stop the whole run (e.g. QuickBooks wants a new sign-in)."""

    def __init__(self, text: str, outcome: Outcome | None = None,
                 outcomes: list[Outcome] | None = None) -> None:
        super().__init__(text)
        self.outcome = outcome  # what became of the document that stopped it
        #: … or of the documents of the batch that stopped it
        self.outcomes = outcomes if outcomes is not None else [outcome] if outcome else []


def found_by(body: dict[str, Any], **more: Any) -> dict[str, Any]:
    """What a create sends that QuickBooks can find it by (kept with it while in flight)."""
    return {"DocNumber": body.get("DocNumber"),
            "VendorRef": (body.get("VendorRef") or {}).get("value"), **more}
