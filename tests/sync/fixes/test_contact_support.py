"""contact_support: an error SyncDesk does not know. The fix saves a support file in the
OS log folder (no tokens or secrets in it; the QuickBooks company id kept) and says where;
nothing changes in QuickBooks."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response
from sqlmodel import select

from app.domain.events import Event
from app.logs import log_path
from app.store.models import QboConnection
from app.sync.fixes.base import Side
from tests.sync.fixes import qbo_fixtures as fx
from tests.sync.fixes.qbo_fixtures import (
    PO,
    apply,
    history,
    make_po,
    qbo_snapshot,
    snapshot,
    state,
    sync,
)

client, fixes, sandbox, memory_keyring = fx.client, fx.fixes, fx.sandbox, fx.memory_keyring


def test_an_unknown_error_saves_a_support_file_without_secrets(store, client, sandbox, fixes):
    make_po(store)
    with store.session() as s:
        token = s.exec(select(QboConnection)).one().local_tokens["access_token"]
    detail = f"Subscription ended (Authorization: Bearer {token}; refresh_token=abc)"
    body = json.dumps({"Fault": {"Error": [{"Message": "Invalid Company Status",
                                            "Detail": detail, "code": "6190"}],
                                 "type": "ValidationFault"}})
    sandbox.before_hooks.append(lambda ctx: Response(body, 400, content_type="application/json")
                                if ctx.method == "POST" and ctx.path == "purchaseorder"
                                else None)
    sync(store, client)
    assert state(store, PO, "PO-1") == ("failed", "unknown")
    subject = fixes.choices(PO, "PO-1")
    assert [o.name for o in subject.options] == ["save_support_file", "send_again"]
    assert subject.choices.record[0][0] == "QuickBooks said (6190)"
    before, before_qbo = snapshot(store), qbo_snapshot(sandbox)
    plan = fixes.plan(subject)
    path = Path(plan.data["path"])
    assert path.parent == log_path().parent and path.name.startswith("support-po-PO-1-")
    assert [(c.side, c.what, c.old, c.new) for c in plan.changes] == [
        (Side.SYNCDESK, "Support file", None, str(path))]
    assert str(path) in plan.note and "Nothing changes in QuickBooks" in plan.note
    assert plan.resend == ()
    assert snapshot(store) == before and not path.exists()
    result = apply(store, client, plan)
    assert not result.fixed  # still to be corrected: the file only helps support
    text = path.read_text(encoding="utf-8")
    assert token not in text and "Bearer [removed]" in text
    assert "refresh_token=[removed]" in text and "abc" not in text
    saved = json.loads(text)
    assert saved["quickbooks_company"]["realm_id"] == sandbox.realm_id
    [doc] = saved["documents"]
    assert doc["number"] == "PO-1" and len(doc["lines"]) == 2
    assert doc["problem"]["faults"][0]["code"] == "6190"
    assert doc["sent"]["DocNumber"] == "PO-1"
    # the request sent: the JSON body posted, lines and all
    assert doc["request"]["DocNumber"] == "PO-1" and len(doc["request"]["Line"]) == 2
    assert doc["request"]["VendorRef"]["value"]
    # QuickBooks' answer as it came (the raw body), its secrets removed
    raw = json.loads(doc["answer"])
    assert raw["Fault"]["Error"][0]["code"] == "6190" and raw["Fault"]["type"] == \
        "ValidationFault"
    assert any(e["result"] == "failed" for e in doc["sync_log"])
    assert "local_tokens" not in text
    assert qbo_snapshot(sandbox) == before_qbo
    assert state(store, PO, "PO-1") == ("failed", "unknown")
    fixed = history(store, PO, "PO-1", Event.FIXED)
    assert fixed[-1].actor == "tester" and str(path) in fixed[-1].summary
    apply(store, client, plan)  # again: the same file, rewritten
    assert json.loads(path.read_text(encoding="utf-8"))["documents"][0]["number"] == "PO-1"
