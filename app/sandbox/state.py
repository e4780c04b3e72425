"""The sandbox company: objects by entity and Id, tombstones, requestids, clock.

All mutation happens under :attr:`Company.lock` (a re-entrant lock the HTTP
layer holds for a whole API request), so the threaded server serialises writes
per realm the way QBO asks clients to ("list writes must be serial").
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

#: CHOSEN: QBO stamps times in the company's zone; the recorded cassettes show
#: Pacific time (-07:00). A fixed offset keeps the sandbox free of tz databases.
COMPANY_TZ = timezone(timedelta(hours=-7))

STATE_VERSION = 1


class Clock:
    """Wall clock plus an offset tests can advance (token expiry, CDC windows)."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current time in the company's zone."""
        with self._lock:
            return datetime.now(UTC).astimezone(COMPANY_TZ) + self.offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative value)."""
        with self._lock:
            self.offset += timedelta(seconds=seconds)

    def timestamp(self) -> float:
        """Seconds since the epoch, on the shifted clock."""
        return self.now().timestamp()

    def today(self) -> date:
        """The company's current date."""
        return self.now().date()


def meta_time(moment: datetime) -> str:
    """MetaData time: ``2014-09-12T10:07:56-07:00`` (second resolution)."""
    return moment.replace(microsecond=0).isoformat()


def response_time(moment: datetime) -> str:
    """The ``time`` field: ``2020-09-29T08:13:18.783-07:00``."""
    return moment.isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    """Parse a QBO date or dateTime; naive values are taken in the company's zone."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=COMPANY_TZ)
    return value


class Company:
    """One realm's data. Objects are plain JSON-ready dicts in QBO's shape."""

    def __init__(self, realm_id: str, clock: Clock) -> None:
        self.realm_id = realm_id
        self.clock = clock
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict]] = {}
        #: entity -> list of {"Id", "time"} for CDC's deleted objects
        self.deleted: dict[str, list[dict]] = {}
        self.requestids: dict[str, dict] = {}
        self.next_id = 1
        self.next_doc_number = 1001
        self.company_info: dict = {}
        self.preferences: dict = {}
        #: a second state (OAuth grants) the server persists alongside
        self.extra: dict[str, Any] = {}
        self.state_file: Path | None = None

    # --- ids and objects ---------------------------------------------------
    def new_id(self) -> str:
        """CHOSEN: one counter for all entities, so Ids never collide across lists."""
        value = self.next_id
        self.next_id += 1
        return str(value)

    def all(self, entity: str) -> list[dict]:
        """Every live object of ``entity``, ordered by numeric Id."""
        items = self.objects.get(entity, {})
        return [items[k] for k in sorted(items, key=_id_key)]

    def get(self, entity: str, obj_id: str) -> dict | None:
        """The stored object (not a copy) or None."""
        return self.objects.get(entity, {}).get(str(obj_id))

    def put(self, entity: str, obj: dict) -> None:
        """Store ``obj`` under its Id."""
        self.objects.setdefault(entity, {})[obj["Id"]] = obj

    def remove(self, entity: str, obj_id: str) -> dict:
        """Delete and leave a tombstone for CDC."""
        obj = self.objects[entity].pop(obj_id)
        self.deleted.setdefault(entity, []).append(
            {"Id": obj_id, "time": meta_time(self.clock.now())})
        return obj

    def was_deleted(self, entity: str, obj_id: str) -> bool:
        """Whether ``obj_id`` of ``entity`` existed and was deleted."""
        return any(t["Id"] == str(obj_id) for t in self.deleted.get(entity, []))

    def find_entity(self, obj_id: str) -> tuple[str, dict] | None:
        """(entity, object) for any Id."""
        for entity, items in self.objects.items():
            if obj_id in items:
                return entity, items[obj_id]
        return None

    # --- preferences helpers (tests and the GUI demo use them in-process) ----
    def other_pref(self, name: str) -> str | None:
        """A value from ``Preferences.OtherPrefs.NameValue``."""
        for pair in self.preferences.get("OtherPrefs", {}).get("NameValue", []):
            if pair.get("Name") == name:
                return pair.get("Value")
        return None

    def set_other_pref(self, name: str, value: str) -> None:
        """Set a ``Preferences.OtherPrefs.NameValue`` entry and bump the SyncToken."""
        pairs = self.preferences.setdefault("OtherPrefs", {}).setdefault("NameValue", [])
        for pair in pairs:
            if pair.get("Name") == name:
                pair["Value"] = value
                break
        else:
            pairs.append({"Name": name, "Value": value})
        self.touch(self.preferences)

    def closing_date(self) -> date | None:
        """``Preferences.AccountingInfoPrefs.BookCloseDate`` as a date, if set."""
        text = self.preferences.get("AccountingInfoPrefs", {}).get("BookCloseDate")
        return date.fromisoformat(text[:10]) if text else None

    def set_closing_date(self, value: date | str | None) -> None:
        """Set (or clear, with None) the books' closing date."""
        prefs = self.preferences.setdefault("AccountingInfoPrefs", {})
        if value is None:
            prefs.pop("BookCloseDate", None)
        else:
            prefs["BookCloseDate"] = str(value)
        self.touch(self.preferences)

    def touch(self, obj: dict) -> None:
        """Increment SyncToken and LastUpdatedTime, as every change does in QBO."""
        obj["SyncToken"] = str(int(obj.get("SyncToken", "0")) + 1)
        obj.setdefault("MetaData", {})["LastUpdatedTime"] = meta_time(self.clock.now())
        self.save()

    # --- persistence -----------------------------------------------------------
    def to_json(self) -> dict:
        """Everything needed to restore the company."""
        return {"version": STATE_VERSION, "realm_id": self.realm_id, "objects": self.objects,
                "deleted": self.deleted, "requestids": self.requestids,
                "next_id": self.next_id, "next_doc_number": self.next_doc_number,
                "company_info": self.company_info, "preferences": self.preferences,
                "extra": self.extra}

    def load_json(self, data: dict) -> None:
        """Restore from :meth:`to_json` output."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError("not a sandbox state file (or an unsupported version)")
        try:
            self.realm_id = str(data["realm_id"])
            self.objects = data["objects"]
            self.deleted = data["deleted"]
            self.requestids = data["requestids"]
            self.next_id = int(data["next_id"])
            self.next_doc_number = int(data["next_doc_number"])
            self.company_info = data["company_info"]
            self.preferences = data["preferences"]
            self.extra = data.get("extra", {})
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the sandbox state file is incomplete: {exc}") from None

    def save(self) -> None:
        """Write the state file atomically (no-op without ``--state``)."""
        if self.state_file is None:
            return
        with self.lock:
            text = json.dumps(self.to_json())
            folder = self.state_file.parent
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".sandbox-", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.state_file)

    def snapshot(self, entity: str, obj_id: str) -> dict | None:
        """A deep copy of one object, for callers outside the lock."""
        with self.lock:
            obj = self.get(entity, obj_id)
            return copy.deepcopy(obj) if obj is not None else None


def _id_key(obj_id: str) -> tuple[int, str]:
    return (int(obj_id), "") if obj_id.isdigit() else (1 << 62, obj_id)


def id_sort_key(obj_id: str) -> tuple[int, str]:
    """Numeric order for QBO's string Ids."""
    return _id_key(obj_id)
