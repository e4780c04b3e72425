"""Errors read as whole sentences in both renderings: ``str()`` (the plain words the window
shows) and ``words(as_command)`` (what the command line prints, hints as commands).

A hint whose sentence already says what to do has no plain words: in brackets it drops out
of the plain text whole ("Connect again ({0})" reads "Connect again"), where the command
line still prints the command in them."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import null

from app.commands.hints import as_command
from app.connection.service import ConnectRequest, _credentials, connect, mark_needs_reconnect
from app.domain.states import DocKind
from app.errors import UserError
from app.hints import Action, Advice, Hint, render
from app.qbo.errors import TransportError
from app.qbo.oauth import ConnectError, Endpoints, follow_redirects, unreachable_message
from app.services import Services
from app.services.sync import NotConnected
from app.store.database import open_store, resolve_db_url
from app.sync.problems import diagnose, what_to_do
from tests.qbo.conftest import memory_keyring, sandbox  # noqa: F401  (fixtures)


def both(error: BaseException | Advice) -> tuple[str, str]:
    return str(error), error.words(as_command)


def test_a_hint_without_words_drops_out_of_the_plain_text_with_its_brackets():
    quiet = Hint.of(Action.CONNECT, words="")
    assert render("Connect again ({0}); then sync.", (quiet,)) == "Connect again; then sync."
    assert render("Connect again ({0}); then sync.", (quiet,), as_command) == (
        "Connect again (syncdesk connect …); then sync.")
    assert render("Start it (`{0}`).", (Hint.of(Action.START_SANDBOX, words=""),),
                  as_command) == "Start it (`syncdesk sandbox`)."
    # Brackets around more than the hint stay, and so do hints that have words.
    assert render("(see {0})", (Hint.of(Action.LIST_ITEMS),)) == "(see see the items)"
    assert render("x ({0})", (Hint.of(Action.LIST_ITEMS),)) == "x (see the items)"


def test_excluding_without_a_reason(cli, demo_db):
    services = Services.for_store(open_store(resolve_db_url(str(demo_db))))
    try:
        with pytest.raises(UserError) as why:
            services.sync.exclude(DocKind.PO, "PO-1001", " ")
    finally:
        services.close()
    assert both(why.value) == ("say why it is excluded", "say why it is excluded (--reason)")
    assert cli("--db", demo_db, "exclude", "po", "PO-1001", "--reason", " ").err == (
        "syncdesk: say why it is excluded (--reason)\n")


def test_a_po_date_without_the_setting(cli, demo_db):
    services = Services.for_store(open_store(resolve_db_url(str(demo_db))))
    try:
        with pytest.raises(UserError) as dated:
            services.documents.edit(DocKind.PO, "PO-1001", {"po_date": "2026-07-01"})
    finally:
        services.close()
    assert both(dated.value) == (
        "PO-1001: setting a PO date needs the company setting enable_po_date_editing on; "
        "otherwise QuickBooks gets the approval date",
        "PO-1001: setting a PO date needs the company setting enable_po_date_editing on "
        "(syncdesk settings --set enable_po_date_editing=on); otherwise QuickBooks gets the "
        "approval date")
    assert cli("--db", demo_db, "edit", "po", "PO-1001", "--set", "po_date=2026-07-01").err \
        == f"syncdesk: {dated.value.words(as_command)}\n"


def test_an_unreachable_sandbox():
    with pytest.raises(TransportError) as down:
        Endpoints.discover("http://127.0.0.1:1/.well-known/x", timeout=5,
                           provider="the SyncDesk sandbox")
    said = "The SyncDesk sandbox at http://127.0.0.1:1 could not be reached; nothing was " \
           "connected. Is it running? "
    assert both(down.value) == (
        said + "Start it and give SyncDesk the address it prints.",
        said + "Start it (syncdesk sandbox) and give --base-url the address it prints.")
    again = unreachable_message("the SyncDesk sandbox", "http://127.0.0.1:1",
                                connecting=False)
    said = "The SyncDesk sandbox at http://127.0.0.1:1 could not be reached. Is it running? "
    assert both(again) == (said + "Start it again.",
                           said + "Start it again (syncdesk sandbox).")


def test_not_connected_says_connect_and_again_only_after_a_connection(store, sandbox):  # noqa: F811
    services = Services.for_store(store)
    with pytest.raises(NotConnected) as never:
        services.sync.run()
    assert both(never.value) == (
        "This company is not connected to QuickBooks. First connect to QuickBooks.",
        "This company is not connected to QuickBooks. First syncdesk connect ….")
    connect(store, ConnectRequest("local", sandbox.base_url), follow_redirects, timeout=10)
    mark_needs_reconnect(store)
    with pytest.raises(NotConnected) as lapsed:
        services.sync.run()
    assert str(lapsed.value) == ("QuickBooks asked SyncDesk to sign in again. First connect "
                                 "to QuickBooks again.")
    assert str(NotConnected("SyncDesk is not connected to QuickBooks")) == (
        "SyncDesk is not connected to QuickBooks. First connect to QuickBooks.")


def test_not_connected_on_the_command_line(cli, db_path):
    db = db_path
    cli("--db", db, "init")
    assert cli("--db", db, "sync").err == ("syncdesk: This company is not connected to "
                                           "QuickBooks. Run `syncdesk connect` first.\n")


def test_connecting_to_intuit_without_the_client_id_or_secret():
    with pytest.raises(ConnectError) as no_id:
        _credentials(ConnectRequest("production"))
    assert both(no_id.value) == (
        "Connecting to Intuit needs your app's client id; the README explains where to find "
        "it.",
        "Connecting to Intuit needs your app's client id (--client-id); the README explains "
        "where to find it.")
    before = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())  # a keychain holding no secret
    try:
        with pytest.raises(ConnectError) as no_secret:
            _credentials(ConnectRequest("production", client_id="abc"))
    finally:
        keyring.set_keyring(before)
    assert both(no_secret.value) == (
        "Connecting to Intuit needs your app's client secret; it is kept in the OS keychain "
        "afterwards.",
        "Connecting to Intuit needs your app's client secret (--client-secret); it is kept in "
        "the OS keychain afterwards.")


@pytest.mark.parametrize(("kind", "doc_kind", "facts", "plain", "command"), [
    ("auth_needed", "po", {},
     "Connect again; the sync carries on afterwards.",
     "Connect again (syncdesk connect …); the sync carries on afterwards."),
    ("throttled", "po", {},
     "Nothing to do: the next sync tries it again (resending it tries now).",
     "Nothing to do: the next sync tries it again (syncdesk resend po PO-1 tries now)."),
    ("transport", "po", {"cause": "unreachable", "local": True},
     "Start the sandbox again and, if its address changed, connect to it again; the next "
     "sync tries it again (resending it tries now).",
     "Start the sandbox again (syncdesk sandbox) and, if its address changed, connect to it "
     "again (syncdesk connect --env local --base-url URL); the next sync tries it again "
     "(syncdesk resend po PO-1 tries now)."),
    ("unknown", "po", {},
     "Read QuickBooks' own words above (also in its sync log), correct what they name, "
     "then: send PO-1 again.",
     "Read QuickBooks' own words above (also in syncdesk log --document PO-1), correct what "
     "they name, then: syncdesk resend po PO-1."),
    ("ap_ar_line_account", "po", {"line": 2},
     "Put the line on an expense or cost-of-goods account: change the line 2 account of PO-1 "
     "(the list of accounts shows them).",
     "Put the line on an expense or cost-of-goods account: syncdesk edit po PO-1 --set "
     "line.2.account=ACCOUNT (syncdesk list accounts shows them)."),
    ("string_too_long", "po", {"element": "DocNumber"},
     "A PO's number cannot be changed: cancel this one and enter it again with a number "
     "within QuickBooks' length limit.",
     "A PO's number cannot be changed: cancel this one (syncdesk cancel po PO-1) and enter it "
     "again with a number within QuickBooks' length limit."),
    ("string_too_long", "po", {"element": "PrivateNote", "limit": 4000},
     "Shorten it to at most 4000 characters: change the memo of PO-1.",
     "Shorten it to at most 4000 characters: syncdesk edit po PO-1 --set memo=SHORTER."),
    ("string_too_long", "po", {"element": "PrivateNote"},
     "Shorten it to QuickBooks' length limit: change the memo of PO-1.",
     "Shorten it to QuickBooks' length limit: syncdesk edit po PO-1 --set memo=SHORTER."),
    ("waiting_on_po", "invoice", {"po": "PO-4", "po_status": "cancelled"},
     "PO-4 was cancelled: bill another PO, or keep this invoice out of syncing: exclude "
     "invoice PO-1 from syncing.",
     "PO-4 was cancelled: bill another PO (syncdesk edit invoice PO-1 --set po=NUMBER), or "
     "keep this invoice out of syncing: syncdesk exclude invoice PO-1 --reason TEXT."),
    ("waiting_on_po", "invoice", {"po": "PO-4", "po_sync_state": "excluded"},
     "PO-4 is excluded from syncing: include it again, or keep this invoice out too: exclude "
     "invoice PO-1 from syncing.",
     "PO-4 is excluded from syncing: include it again (syncdesk include po PO-4), or keep "
     "this invoice out too: syncdesk exclude invoice PO-1 --reason TEXT."),
    ("waiting_on_po", "invoice", {"po": "PO-4", "po_sync_state": "failed"},
     "Clear PO-4's own problem first (PO-4's page says what to do); this invoice goes once it "
     "is in QuickBooks.",
     "Clear PO-4's own problem first (syncdesk show po PO-4 says what to do); this invoice "
     "goes once it is in QuickBooks."),
    ("waiting_on_po", "invoice", {"po": "PO-4", "po_sync_state": "synced"},
     "Nothing to do: PO-4 is in QuickBooks now, and the next sync sends this invoice "
     "(resending it sends it now).",
     "Nothing to do: PO-4 is in QuickBooks now, and the next sync sends this invoice "
     "(syncdesk resend invoice PO-1 sends it now)."),
])
def test_what_to_do_reads_well_in_both(kind, doc_kind, facts, plain, command):
    advice = what_to_do(kind, doc_kind, "PO-1", facts)
    assert both(advice) == (plain, command)


def test_an_unreachable_sandbox_in_a_problem():
    problem = diagnose(TransportError("no connection", cause="unreachable",
                                      server="http://127.0.0.1:5000"), "PO-1")
    assert problem.explanation == ("The SyncDesk sandbox at http://127.0.0.1:5000 could not "
                                   "be reached for PO-1: is it still running?")
    assert problem.words(as_command) == ("The SyncDesk sandbox at http://127.0.0.1:5000 could "
                                         "not be reached for PO-1: is it still running "
                                         "(syncdesk sandbox)?")


def test_a_damaged_store_names_the_backup_and_restore_in_plain_words(tmp_path):
    from app.store.database import damaged

    said = damaged(tmp_path / "x.db", None)
    assert "If you keep backups of your own (made with SyncDesk's backup or copied "\
           "elsewhere), restore the latest with SyncDesk's restore; otherwise" in str(said)
    assert "(made with `syncdesk backup` or copied elsewhere), restore the latest with " \
           "`syncdesk restore FILE`; otherwise" in said.words(as_command)
