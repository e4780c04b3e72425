"""``syncdesk fix``: what it refuses, before any fix module is involved, and the whole demo
company repaired one document at a time (every blocked document Synced, no duplicate in
QuickBooks, each fix in the document's history).

``demo`` is the demo company after its first sync (a copy of one made once per run), on
SQLite and on PostgreSQL."""

from __future__ import annotations

from collections import Counter

from app.domain.events import Event
from app.domain.states import DocKind, SyncState
from app.services.demo import DemoCompany
from tests.sync.fixes.document_fixtures import demo, memory_keyring  # noqa: F401  (fixtures)


def needing_attention(demo: DemoCompany) -> list[tuple[DocKind, str]]:  # noqa: F811
    from app.services.documents_views import ListQuery
    found = []
    for kind in DocKind:
        rows = demo.services.documents.list(kind, ListQuery(sync_state="needs_attention"))
        found += [(kind, row.number) for row in rows]
    return found


def test_fix_needs_a_document_or_a_group(cli, demo):  # noqa: F811
    result = cli("--db", demo.location, "fix")
    assert result.code == 2
    assert "say which document" in result.err
    assert cli("--db", demo.location, "fix", "po", "PO-1061", "--group", "x").code == 2


def test_a_document_without_a_problem_has_nothing_to_fix(cli, demo):  # noqa: F811
    result = cli("--db", demo.location, "fix", "po", "PO-1001")
    assert result.code == 1
    assert "PO-1001 has no sync problem to fix (it is synced)" in result.err


def test_an_unknown_group_says_where_the_groups_are(cli, demo):  # noqa: F811
    result = cli("--db", demo.location, "fix", "--group", "supplier:999999")
    assert result.code == 1
    assert "the status lists each group's key" in result.err


def test_set_takes_key_equals_value(cli, demo):  # noqa: F811
    result = cli("--db", demo.location, "fix", "po", "PO-1061", "--set", "name")
    assert result.code == 2
    assert "--set takes KEY=VALUE" in result.err


def test_without_yes_and_without_a_terminal_nothing_changes(cli, demo):  # noqa: F811
    before = demo.services.documents.detail(DocKind.PO, "PO-1061")
    vendors = _names(demo, "Vendor")
    result = cli("--db", demo.location, "fix", "po", "PO-1061")
    assert result.code == 1
    assert "--yes" in result.err and "nothing was changed" in result.err
    assert demo.services.documents.detail(DocKind.PO, "PO-1061") == before
    assert _names(demo, "Vendor") == vendors


def test_json_without_yes_prints_the_plan_and_changes_nothing(cli, demo):  # noqa: F811
    import json
    result = cli("--db", demo.location, "fix", "po", "PO-1062", "--json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert plan["fix"] == "reactivate_vendor"
    assert plan["documents"] == [{"kind": "po", "number": "PO-1062"}]
    assert any(c["side"] == "QuickBooks" for c in plan["changes"])
    assert demo.services.documents.row(DocKind.PO, "PO-1062").sync_state == SyncState.BLOCKED


def test_every_blocked_demo_document_is_synced_after_its_fix(cli, demo):  # noqa: F811
    todo = needing_attention(demo)
    assert len(todo) == 8
    for kind, number in todo:
        if demo.services.documents.row(kind, number).sync_state == SyncState.SYNCED:
            continue  # fixed with another document of its group
        result = cli("--db", demo.location, "fix", kind.value, number, "--yes")
        assert result.code == 0, (number, result.out, result.err)
        assert f"{number} is synced." in result.out
    cli("--db", demo.location, "sync")
    assert needing_attention(demo) == []
    for kind, number in todo:
        assert demo.services.documents.row(kind, number).sync_state == SyncState.SYNCED
        fixed = [e for e in demo.services.documents.history(kind, number)
                 if e.action == Event.FIXED]
        assert fixed, number
        assert fixed[0].actor and fixed[0].detail["changes"] is not None
        shown = cli("--db", demo.location, "history", kind.value, number)  # as text too
        assert shown.code == 0, shown.err
        assert "Fixed (" in shown.out and " → " in shown.out
    for entity, field in (("Vendor", "DisplayName"), ("PurchaseOrder", "DocNumber"),
                          ("Bill", "DocNumber")):
        names = _names(demo, entity, field)
        doubles = [n for n, c in Counter(names).items() if c > 1]
        if entity == "Bill":  # the same number may belong to two vendors' bills
            pairs = _bill_keys(demo)
            doubles = [n for n, c in Counter(pairs).items() if c > 1]
        assert doubles == [], (entity, doubles)


def _names(demo: DemoCompany, entity: str, field: str = "DisplayName") -> list[str]:  # noqa: F811
    with demo.sandbox.company.lock:
        return sorted(str(o.get(field)) for o in demo.sandbox.company.all(entity))


def _bill_keys(demo: DemoCompany) -> list[tuple[str, str]]:  # noqa: F811
    with demo.sandbox.company.lock:
        return [(str(b.get("VendorRef", {}).get("value")), str(b.get("DocNumber")))
                for b in demo.sandbox.company.all("Bill")]
