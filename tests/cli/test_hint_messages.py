"""User errors carry hints (an action and its arguments), not command text: the command line
prints each hint as the command to type, with the very words it printed before issue 11;
the error's own words (what the window and the log get) name no command or flag."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.commands.hints import as_command
from app.connection.binding import Company, refused
from app.domain.states import DocKind
from app.errors import UserError
from app.hints import Action, words_of
from app.operations.creating import create_po
from app.operations.fields import FieldError, LineValues
from app.operations.suppliers import find_supplier
from app.qbo.environments import environment
from app.qbo.errors import TransportError
from app.qbo.keychain import NoKeychain, require_keychain
from app.qbo.oauth import ConnectError, Endpoints, refused_message, unreachable_message
from app.store.database import damaged, open_store
from app.sync.actions import exclude
from tests.test_no_command_text import command_text

COMMAND = command_text()


def plain_words(error: BaseException) -> str:
    """The error's words for the window: no command, no flag, no placeholder left."""
    text = str(error)
    assert not COMMAND.search(text), text
    assert "{0}" not in text and "`" not in text, text
    return text


def test_store_errors_print_the_same_commands(cli, tmp_path):
    missing = tmp_path / "none.db"
    assert cli("--db", missing, "status").err == (
        f"syncdesk: there is no SyncDesk store at {missing}; run `syncdesk init` first\n")
    assert cli("--db", tmp_path, "status").err == (
        f"syncdesk: {tmp_path} is a folder, not a SyncDesk store; give --db a file name\n")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert cli("--db", empty, "status").err == (
        f"syncdesk: {empty} is an empty file, not a SyncDesk store; SyncDesk left it as it "
        "is. Give --db another file name, or remove the empty file and run `syncdesk init` "
        "to create a store there.\n")


def test_store_errors_carry_hints_in_plain_words(tmp_path):
    with pytest.raises(UserError) as missing:
        open_store(f"sqlite:///{tmp_path / 'none.db'}", create=False)
    assert [h.action for h in missing.value.hints] == [Action.CREATE_STORE]
    assert plain_words(missing.value).endswith("; run the new-store setup first")
    with pytest.raises(UserError) as folder:
        open_store(f"sqlite:///{tmp_path}")
    assert [h.action for h in folder.value.hints] == [Action.STORE_LOCATION]
    assert plain_words(folder.value).endswith("give the store location a file name")


def test_a_damaged_store_points_at_restore_and_backup(tmp_path):
    said = damaged(tmp_path / "x.db", tmp_path / "x.db")
    assert [h.action for h in said.hints] == [Action.RESTORE_BACKUP, Action.MAKE_BACKUP]
    assert "(made with `syncdesk backup` or copied elsewhere), restore the latest with " \
           "`syncdesk restore FILE`; otherwise" in said.words(as_command)
    assert not COMMAND.search(said.words())


def test_document_and_sync_refusals_print_the_same_commands(cli, demo_db):
    assert cli("--db", demo_db, "edit", "po", "PO-1001", "--set", "po_date=2026-07-01").err \
        == ("syncdesk: PO-1001: setting a PO date needs the company setting "
            "enable_po_date_editing on (syncdesk settings --set enable_po_date_editing=on); "
            "otherwise QuickBooks gets the approval date\n")
    assert cli("--db", demo_db, "exclude", "po", "PO-1001", "--reason", " ").err == (
        "syncdesk: say why it is excluded (--reason)\n")
    assert cli("--db", demo_db, "edit", "supplier", "Nobody", "--set", "name=x").err == (
        "syncdesk: there is no supplier named 'Nobody' (syncdesk list suppliers shows "
        "them)\n")
    assert cli("--db", demo_db, "init", "--demo").err == (
        "syncdesk: this store already has documents; the demo needs a new store (give --db "
        "a new file)\n")


def test_document_refusals_carry_hints_in_plain_words(store):
    with store.session() as session:
        supplier = find_supplier(session, "Acme Supply")
        with pytest.raises(FieldError) as dated:
            create_po(session, number="PO-1", supplier_id=supplier.id, actor="t",
                      lines=[LineValues("x", amount=Decimal("1.00"))],
                      po_date=date(2026, 7, 1))
        with pytest.raises(UserError) as nobody:
            find_supplier(session, "Nobody")
        with pytest.raises(UserError) as why:
            exclude(session, DocKind.PO, "PO-1", "", "t")
    hint = dated.value.hints[0]
    assert (hint.action, hint.get("key")) == (Action.TURN_ON_SETTING, "enable_po_date_editing")
    assert plain_words(dated.value) == ("setting a PO date needs the company setting "
                                        "enable_po_date_editing on; otherwise QuickBooks gets "
                                        "the approval date")
    assert plain_words(nobody.value) == ("there is no supplier named 'Nobody' (the list of "
                                         "suppliers shows them)")
    assert [h.action for h in why.value.hints] == [Action.GIVE_REASON]
    assert plain_words(why.value) == "say why it is excluded"


def test_connection_errors_carry_hints():
    with pytest.raises(ValueError) as no_url:
        environment("local")
    assert [h.action for h in no_url.value.hints] == [Action.SANDBOX_ADDRESS,
                                                      Action.START_SANDBOX]
    assert words_of(no_url.value, as_command) == (
        "the local environment needs --base-url (the URL `syncdesk sandbox` printed)")
    assert plain_words(no_url.value) == ("the local environment needs the sandbox's address "
                                         "(the URL the SyncDesk sandbox printed)")
    with pytest.raises(TransportError) as down:
        Endpoints.discover("http://127.0.0.1:1/.well-known/x", timeout=5,
                           provider="the SyncDesk sandbox")
    assert words_of(down.value, as_command).endswith(
        "Is it running? Start it (syncdesk sandbox) and give --base-url the address it "
        "prints.")
    plain_words(down.value)
    for said in (unreachable_message("the SyncDesk sandbox", "http://127.0.0.1:1"),
                 unreachable_message("the SyncDesk sandbox", "http://127.0.0.1:1",
                                     connecting=False),
                 refused_message("the SyncDesk sandbox", "invalid_client")):
        assert said.hints and not COMMAND.search(said.words())
    assert refused_message("the SyncDesk sandbox", "invalid_client").words(
        as_command).endswith("unless it was given --client-id/--client-secret.")
    mismatch = refused("it is another company.", Company("9", "production", "Other Co"))
    assert "connect again with --relink: SyncDesk" in mismatch.words(as_command)
    assert "connect again with re-linking turned on: SyncDesk" in plain_words(mismatch)
    assert ConnectError("x").words(as_command) == "x"


def test_no_keychain_points_at_the_encrypted_keyring(cli, db_path):
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # a machine without an OS keychain
    try:
        with pytest.raises(NoKeychain) as none:
            require_keychain()
        db = db_path
        cli("--db", db, "init")
        result = cli("--db", db, "connect", "--env", "production", "--client-id", "x",
                     "--client-secret", "y")
    finally:
        keyring.set_keyring(before)
    assert [h.action for h in none.value.hints] == [Action.ENCRYPTED_KEYRING]
    assert "connect with an encrypted keyring to keep them" in plain_words(none.value)
    assert result.code == 1
    assert result.err.endswith(
        "then connect again — or connect with --encrypted-keyring to keep them in a file "
        "locked by a passphrase (asked for, or taken from $SYNCDESK_KEYRING_PASSPHRASE).\n")
