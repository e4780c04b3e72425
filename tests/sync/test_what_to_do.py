"""Every problem kind says what to do: plain words with the steps as hints (actions with
their arguments), which the command line prints as commands and the window as buttons."""

from __future__ import annotations

import re

import pytest

from app.commands.hints import as_command
from app.domain.problems import FIXES, MEANINGS, Kind
from app.hints import Action, Advice, Hint, plain
from app.sync.problems import what_to_do

# A command line in words: `syncdesk ` before a subcommand, or a --flag.
COMMAND_LINE = re.compile(r"syncdesk [a-z]|(?<![\w-])--[a-z]")


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("doc_kind", ["po", "invoice"])
def test_every_kind_says_what_to_do(kind, doc_kind):
    advice = what_to_do(kind.value, doc_kind, "X-7", {}, "Acme Supply")
    assert isinstance(advice, Advice)
    text = advice.words(as_command)
    assert text and not text.startswith("See ")  # not the fallback for unknown kinds
    assert "None" not in text and "{" not in text
    assert text.endswith(".")
    assert kind in MEANINGS and kind in FIXES


@pytest.mark.parametrize("facts", [{}, {"cause": "unreachable", "local": True},
                                   {"po": "PO-4", "po_status": "draft"},
                                   {"po": "PO-4", "po_status": "cancelled"},
                                   {"po": "PO-4", "po_sync_state": "excluded"},
                                   {"element": "DocNumber"}, {"element": "DisplayName"}])
@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("doc_kind", ["po", "invoice"])
def test_the_words_the_window_shows_name_no_command(kind, doc_kind, facts):
    advice = what_to_do(kind.value, doc_kind, "X-7", facts, "Acme Supply")
    words = advice.words(plain)
    assert not COMMAND_LINE.search(advice.text), advice.text
    assert not COMMAND_LINE.search(words), words
    assert "{" not in words and str(advice) == words
    assert all(isinstance(h.action, Action) for h in advice.hints)


def test_the_steps_are_hints_with_the_document_line_and_supplier():
    advice = what_to_do("ap_ar_line_account", "invoice", "INV-9", {"line": 2})
    assert advice.hints == (
        Hint.of(Action.EDIT_DOCUMENT, kind="invoice", number="INV-9", field="line.2.account",
                value="ACCOUNT"),
        Hint.of(Action.LIST_ACCOUNTS, words="the list of accounts"))
    assert advice.words(plain) == (
        "Put the line on an expense or cost-of-goods account: change the line 2 account of "
        "invoice INV-9 (the list of accounts shows them).")
    assert advice.words(as_command) == (
        "Put the line on an expense or cost-of-goods account: syncdesk edit invoice INV-9 "
        "--set line.2.account=ACCOUNT (syncdesk list accounts shows them).")
    supplier = what_to_do("duplicate_name", "po", "PO-1", {}, "Smith & Co")
    assert supplier.hints == (Hint.of(Action.EDIT_SUPPLIER, name="Smith & Co", field="name",
                                      value="NEW_NAME"),)
    assert "syncdesk edit supplier 'Smith & Co' --set name=NEW_NAME" in supplier.words(
        as_command)
    assert what_to_do("missing_reference", "po", "PO-1", {"item": "Tea", "line": 3}).words(
        as_command).endswith("syncdesk edit po PO-1 --set line.3.item=NAME.")
    currency = what_to_do("currency_mismatch", "po", "PO-1", {"home_currency": "USD"})
    assert currency.hints[0].get("field") == "currency"
    assert currency.hints[0].get("value") == "USD"
    assert "--set currency=USD" in currency.words(as_command)
    waiting = what_to_do("waiting_on_po", "invoice", "INV-1", {"po": "PO-4"})
    assert waiting.hints == (Hint.of(Action.SHOW_DOCUMENT, kind="po", number="PO-4",
                                     words="PO-4's page"),)
    assert "syncdesk show po PO-4" in waiting.words(as_command)


def test_a_step_on_another_document_names_that_one():
    advice = what_to_do("waiting_on_po", "invoice", "INV-1",
                        {"po": "PO 4", "po_status": "pending"})
    assert advice.hints == (Hint.of(Action.APPROVE, kind="po", number="PO 4"),)
    assert advice.words(as_command) == (
        "Approve PO 4 first: syncdesk approve po 'PO 4'. This invoice goes with it at the "
        "next sync.")
    assert advice.words(plain) == ("Approve PO 4 first: approve PO 4. This invoice goes "
                                   "with it at the next sync.")


def test_an_unreachable_sandbox_points_at_starting_it_and_connecting_again():
    advice = what_to_do("transport", "po", "PO-1", {"cause": "unreachable", "local": True})
    assert [h.action for h in advice.hints] == [Action.RESEND, Action.START_SANDBOX,
                                                Action.CONNECT]
    assert advice.hints[2].get("base_url") == "URL"
    assert advice.words(as_command) == (
        "Start the sandbox again (syncdesk sandbox) and, if its address changed, connect to "
        "it again (syncdesk connect --env local --base-url URL); the next sync tries it again "
        "(syncdesk resend po PO-1 tries now).")


@pytest.mark.parametrize(("doc_kind", "element", "expected"), [
    ("invoice", "DocNumber", "syncdesk edit invoice N-1 --set reference=SHORTER."),
    ("po", "PrivateNote", "syncdesk edit po N-1 --set memo=SHORTER."),
    ("po", "DocNumber", "cancel this one (syncdesk cancel po N-1)"),
    ("po", "DisplayName", "syncdesk edit supplier 'Acme Supply' --set name=SHORTER."),
])
def test_a_field_too_long_names_the_field_to_shorten(doc_kind, element, expected):
    advice = what_to_do("string_too_long", doc_kind, "N-1", {"element": element, "limit": 21},
                        "Acme Supply")
    assert expected in advice.words(as_command)
    assert len(advice.hints) == 1


def test_an_unknown_kind_points_at_the_document():
    advice = what_to_do("nonsense", "po", "PO-1")
    assert advice.hints == (Hint.of(Action.SHOW_DOCUMENT, kind="po", number="PO-1"),)
    assert advice.words(as_command) == "See syncdesk show po PO-1."


def test_an_unreachable_sandbox_is_stored_in_plain_words():
    from app.qbo.errors import TransportError
    from app.sync.problems import diagnose

    problem = diagnose(TransportError("no connection", cause="unreachable",
                                      server="http://127.0.0.1:5000"), "PO-1")
    assert problem.explanation == ("The SyncDesk sandbox at http://127.0.0.1:5000 could not "
                                   "be reached for PO-1: is it still running?")
    assert problem.to_json()["explanation"] == problem.explanation
    assert problem.words(as_command) == ("The SyncDesk sandbox at http://127.0.0.1:5000 could "
                                         "not be reached for PO-1: is it still running "
                                         "(syncdesk sandbox)?")
