"""QuickBooks refused a document with an error SyncDesk does not know: SyncDesk saves a
support file (the document, its lines, what was sent, QuickBooks' raw answer and the sync
log's entries for it; tokens, secrets and Authorization headers removed, the QuickBooks
company id kept) in the OS log folder and says where it is. Nothing changes in
QuickBooks, nor in the document.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from app.logs import log_path, redact
from app.store.models import QboConnection, SyncLogEntry
from app.store.types import utcnow
from app.sync.fixes import qbo_documents as qd
from app.sync.fixes import retry
from app.sync.fixes.base import Change, Choices, FixContext, Option, Plan, Side, Target

FIX = "contact_support"
SAVE = "save_support_file"
REMOVED = "[removed]"
_SECRET_KEY = re.compile(r"token|secret|authorization|password|passphrase|cookie", re.I)
_BEARER = re.compile(r"(Bearer|Basic)\s+[^\s;,)\"']+", re.I)
_PAIR = re.compile(r"(\w*(?:token|secret|password)\w*)(\s*[=:]\s*)[^\s;,)\"']+", re.I)
_LOG_ENTRIES = 20  # the latest sync log entries of each document


def folder() -> Path:
    """Where support files go: the OS log folder, beside SyncDesk's log."""
    return log_path().parent


def _path(targets: tuple[Target, ...], now: datetime) -> Path:
    first = targets[0]
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", first.number)
    return folder() / f"support-{first.kind.value}-{name}-{now:%Y%m%d-%H%M%S}.json"


def scrub(value: Any) -> Any:
    """``value`` with tokens, secrets and Authorization headers removed."""
    if isinstance(value, Mapping):
        return {str(k): REMOVED if _SECRET_KEY.search(str(k)) and not _id_key(str(k))
                else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        value = _BEARER.sub(lambda m: f"{m.group(1)} {REMOVED}", redact(value))
        return _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REMOVED}", value)
    return value


def _id_key(key: str) -> bool:
    """Keys that name a token but hold none: QuickBooks' SyncToken (a version number)."""
    return key.lower() in ("synctoken", "qbo_sync_token")


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    problem = targets[0].problem
    record = tuple((f"QuickBooks said{' (' + str(f.get('code')) + ')' if f.get('code') else ''}",
                    " ".join(str(f.get(k)) for k in ("message", "detail") if f.get(k)) or
                    "(no words)") for f in problem.faults)
    return Choices(FIX, (problem.explanation or "QuickBooks refused it with an error SyncDesk "
                         "does not know.") + " SyncDesk cannot repair this by itself.",
                   (Option(SAVE, "Save a support file",
                           "SyncDesk saves what it sent and QuickBooks' exact answer in one "
                           "file (no passwords or sign-in tokens in it) and says where it is, "
                           "to send to SyncDesk's support.", True),
                    retry.send_again_option("Once what QuickBooks said is corrected (in "
                                            "QuickBooks, or in SyncDesk), send it again.",
                                            False)), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    if option.name == retry.SEND_AGAIN:
        return retry.resend_plan(FIX, targets, option, inputs)
    path = _path(targets, utcnow())
    return Plan(FIX, option.name, targets,
                (Change(Side.SYNCDESK, "Support file", None, str(path)),), dict(inputs), (),
                {"path": str(path)},
                f"SyncDesk saves the support file as {path}. Nothing changes in QuickBooks "
                "or in the document: once support says what to correct, correct it and "
                "resend.", history=f"Support file saved: {path}")


def _document(ctx: FixContext, target: Target) -> dict[str, Any]:
    with ctx.session() as s:
        doc = qd.load(s, target)
        log = s.exec(select(SyncLogEntry).where(
            SyncLogEntry.doc_kind == target.kind.value, SyncLogEntry.doc_id == target.id)
            .order_by(col(SyncLogEntry.id).desc()).limit(_LOG_ENTRIES)).all()
        return {
            "kind": target.kind.value, "number": target.number, "supplier": target.supplier,
            "document": doc.model_dump(mode="json"),
            "lines": [line.model_dump(mode="json")
                      for line in qd.lines_of(s, target.kind, target.id)],
            "problem": doc.last_error_detail,
            "sent": next((entry.detail.get("sent") for entry in log
                          if entry.detail and entry.detail.get("sent")), None),
            # the JSON body posted and QuickBooks' answer as it came, of the last failed send
            "request": next((entry.detail["request"] for entry in log
                             if entry.detail and entry.detail.get("request")), None),
            "answer": next((entry.detail["answer"] for entry in log
                            if entry.detail and entry.detail.get("answer")), None),
            "sync_log": [entry.model_dump(mode="json") for entry in reversed(log)]}


def apply(ctx: FixContext, plan: Plan) -> None:
    """Write the support file (again, if asked twice: the same file, the latest facts)."""
    if plan.option == retry.SEND_AGAIN:
        return  # nothing to write: the runner sends the documents again
    path = Path(plan.data["path"])
    with ctx.session() as s:
        connection = s.exec(select(QboConnection)).first()
        company = {"environment": connection.environment, "realm_id": connection.realm_id,
                   "api_base": connection.api_base} if connection is not None else None
    content = scrub({"saved_at": utcnow().isoformat(), "app": "SyncDesk",
                     "quickbooks_company": company,
                     "documents": [_document(ctx, t) for t in plan.targets]})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(content, indent=2, ensure_ascii=False, default=str),
                       encoding="utf-8")
    os.replace(partial, path)

