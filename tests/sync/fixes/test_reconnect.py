"""``reconnect``: QuickBooks revokes SyncDesk's sign-in in the middle of a sync; the fix
says to connect again, and once connected it sends the documents that waited."""

from __future__ import annotations

import json

import pytest

from app.domain.events import Event
from app.domain.states import DocKind
from app.hints import Action
from app.sandbox import demo_company
from app.services.fixes import FixFailed
from tests.qbo.conftest import memory_keyring  # noqa: F401  (autouse fixture)
from tests.sync.conftest import make_po
from tests.sync.fixes.vendor_fixtures import Demo, demo  # noqa: F401

SUPPLIER = demo_company.LINKED_SUPPLIERS[0]
FIRST, SECOND = (DocKind.PO, "PO-9201"), (DocKind.PO, "PO-9202")


def _revoked(demo: Demo) -> None:  # noqa: F811
    make_po(demo.store, number=FIRST[1], supplier=SUPPLIER, account="Cost of Goods Sold")
    make_po(demo.store, number=SECOND[1], supplier=SUPPLIER, account="Cost of Goods Sold")
    # The whole grant is revoked on the first PO write: refreshing cannot help.
    demo.sandbox.faults.add("401", route="purchaseorder", revoke="grant")
    report = demo.sync()
    assert report.stopped
    assert demo.state(*FIRST) == ("failed", "auth_needed")


def test_the_fix_says_to_connect_then_sends_what_waited(demo: Demo, cli):  # noqa: F811
    _revoked(demo)
    waiting_before = demo.state(*SECOND)
    shown = cli("--db", demo.db, "fix", "po", FIRST[1], "--json")
    assert shown.code == 0, shown.err
    plan = json.loads(shown.out)
    assert plan["fix"] == "reconnect" and plan["option"] == "reconnect"
    assert plan["changes"][0]["side"] == "SyncDesk"
    before = demo.snapshot()
    # Still signed out: the fix stops, says how to connect, and changes nothing.
    refused = cli("--db", demo.db, "fix", "po", FIRST[1], "--yes")
    assert refused.code == 1
    assert "syncdesk connect" in refused.err and "sign in again" in refused.err
    assert demo.snapshot() == before
    assert demo.state(*FIRST) == ("failed", "auth_needed")
    assert demo.state(*SECOND) == waiting_before
    # Connect again, then the same fix finishes: the queue goes on, POs once each.
    connected = cli("--db", demo.db, "connect", "--env", "local", "--base-url",
                    demo.sandbox.base_url, "--timeout", "10")
    assert connected.code == 0, connected.err
    done = cli("--db", demo.db, "fix", "po", FIRST[1], "--yes")
    assert done.code == 0, done.err
    assert f"{FIRST[1]} is synced." in done.out
    assert demo.state(*FIRST) == ("synced", None)
    numbers = [p["DocNumber"] for p in demo.qbo("PurchaseOrder")]
    assert numbers.count(FIRST[1]) == 1
    assert [e.action for e in demo.history(*FIRST)].count(Event.FIXED.value) == 1
    # The rest of the paused queue goes with the next sync.
    assert demo.sync().stopped is None
    assert demo.state(*SECOND) == ("synced", None)
    assert [p["DocNumber"] for p in demo.qbo("PurchaseOrder")].count(SECOND[1]) == 1


def test_a_sign_in_revoked_again_stops_the_fix_and_an_expired_one_is_renewed(
        demo: Demo, cli):  # noqa: F811
    _revoked(demo)
    assert cli("--db", demo.db, "connect", "--env", "local", "--base-url",
               demo.sandbox.base_url, "--timeout", "10").code == 0
    fixes = demo.services.fixes
    plan = fixes.plan(fixes.choices(*FIRST))
    # Revoked once more, behind SyncDesk's back: the fix finds out, stops, says what to do.
    demo.sandbox.faults.add("401", route="companyinfo", revoke="grant")
    with pytest.raises(FixFailed) as caught:
        fixes.apply(plan)
    assert "still does not accept" in str(caught.value)
    assert [h.action for h in caught.value.hints] == [Action.CONNECT]
    assert [e.action for e in demo.history(*FIRST)][-1] == Event.FIX_FAILED.value
    assert demo.state(*FIRST) == ("failed", "auth_needed")
    assert cli("--db", demo.db, "connect", "--env", "local", "--base-url",
               demo.sandbox.base_url, "--timeout", "10").code == 0
    demo.sandbox.advance_clock(2 * 3600)  # the new access token expires; refresh renews it
    result = fixes.apply(plan)
    assert result.fixed
    assert demo.state(*FIRST) == ("synced", None)
