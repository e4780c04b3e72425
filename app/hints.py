"""Hints: what the user can do next, as an action with its arguments, not as text to type.

The core never names a command-line flag. A message that points at something
the user can do holds a placeholder (``{0}``, ``{1}``…) for each ``Hint``; the
command line renders a hint as the command to type (``app/commands/hints.py``),
the window as a button or link, and ``plain`` as a few words (logs, tests)::

    Advice("PO dates are fixed unless you {0}.", Hint.of(Action.TURN_ON_SETTING,
                                                        key="enable_po_date_editing"))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.wording import field_words, setting_words


class Action(StrEnum):
    """Something the user can do; each hint's arguments are listed beside it."""

    CREATE_STORE = "create_store"  # path? (init a store)
    CHOOSE_STORE = "choose_store"  # (open or name another store file)
    MAKE_BACKUP = "make_backup"  # file? ("" for the bare command)
    RESTORE_BACKUP = "restore_backup"  # file?
    TURN_ON_SETTING = "turn_on_setting"  # key
    CONNECT = "connect"  # environment?, base_url?, relink?, client_id?, encrypted_keyring?
    START_SANDBOX = "start_sandbox"
    LIST_SUPPLIERS = "list_suppliers"
    LIST_ACCOUNTS = "list_accounts"
    LIST_ITEMS = "list_items"
    LIST_NEEDING_ATTENTION = "list_needing_attention"  # kind?
    SHOW_DOCUMENT = "show_document"  # kind, number
    SHOW_LOG = "show_log"  # number
    EDIT_DOCUMENT = "edit_document"  # kind, number, field, value (a placeholder like NUMBER)
    EDIT_SUPPLIER = "edit_supplier"  # name, field, value
    APPROVE = "approve"  # kind, number
    CANCEL = "cancel"  # kind, number
    RESEND = "resend"  # kind, number
    EXCLUDE = "exclude"  # kind, number (needs a reason)
    INCLUDE = "include"  # kind, number
    GIVE_REASON = "give_reason"  # (an exclusion needs its reason)
    # What the user gives when opening, creating or connecting (a field in a dialog, an
    # option on the command line):
    STORE_LOCATION = "store_location"  # (the store's file)
    SANDBOX_ADDRESS = "sandbox_address"  # (the address the SyncDesk sandbox serves at)
    CLIENT_ID = "client_id"  # (the Intuit app's client id)
    CLIENT_SECRET = "client_secret"  # (the Intuit app's client secret)
    ENCRYPTED_KEYRING = "encrypted_keyring"  # (keep secrets in a passphrase-locked file)
    RELINK = "relink"  # (move the store to another QuickBooks company when connecting)
    REDIRECT_PAGE = "redirect_page"  # (the firm's https page Intuit redirects to)
    SHARE_COMPANY_KEY = "share_company_key"  # (show the team's company key to hand on)
    ADD_COMPANY_KEY = "add_company_key"  # (keep a company key a teammate gave)


@dataclass(frozen=True)
class Hint:
    action: Action
    args: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, action: Action, **args: object) -> Hint:
        """A hint with its arguments; ``None`` arguments are left out."""
        return cls(action, tuple((k, str(v)) for k, v in args.items() if v is not None))

    def get(self, name: str, default: str | None = None) -> str | None:
        return next((v for k, v in self.args if k == name), default)


# A hint's ``words`` argument, when given, is what ``plain`` says for it: the words its
# sentence needs there ("the sandbox" where the command line names the command that
# printed an address). Other renderings ignore it. Empty words suit a hint in brackets
# after a sentence that already says what to do ("connect again ({0})"): the plain words
# leave it out, brackets and all ("connect again").
WORDS = "words"


HintText = Callable[[Hint], str]

# ``{N}``, or ```{N}``` where the command line quotes the command (the backticks stay only
# around what is typed, not around plain words); `` ({N})`` in brackets is left out whole
# where the hint has no words.
_PLACEHOLDER = re.compile(r"( \()?(?:`\{(\d+)\}`|\{(\d+)\})(\))?")


def plain(hint: Hint) -> str:
    """A hint in a few words (for logs and anything that cannot show a button)."""
    a = dict(hint.args)
    if WORDS in a:
        return a[WORDS]
    kind, number = {"po": "PO"}.get(a.get("kind", ""), a.get("kind")), a.get("number")
    if kind and number and number.upper().startswith(kind.upper()):
        kind = None  # "PO-1", not "PO PO-1"
    doc = " ".join(part for part in (kind, number) if part)
    words = {
        Action.CREATE_STORE: "create a store",
        Action.CHOOSE_STORE: "choose another store file",
        Action.MAKE_BACKUP: "make a backup",
        Action.RESTORE_BACKUP: f"restore the backup {a['file']}" if "file" in a
        else "restore a backup",
        Action.TURN_ON_SETTING: f"turn on {setting_words(a.get('key', ''))}",
        Action.CONNECT: "connect to QuickBooks" + (" (relinking the store)"
                                                         if a.get("relink") else ""),
        Action.START_SANDBOX: "start the SyncDesk sandbox",
        Action.LIST_SUPPLIERS: "see the suppliers",
        Action.LIST_ACCOUNTS: "see the accounts",
        Action.LIST_ITEMS: "see the items",
        Action.LIST_NEEDING_ATTENTION: "see the documents needing attention",
        Action.SHOW_DOCUMENT: f"open {doc}",
        Action.SHOW_LOG: f"see the sync log of {a.get('number', '')}",
        Action.EDIT_DOCUMENT: f"change the {field_words(a.get('field', 'field'))} of {doc}",
        Action.EDIT_SUPPLIER: f"change the {field_words(a.get('field', 'field'))} of the "
                              "supplier "
                              f"{a.get('name', '')}",
        Action.APPROVE: f"approve {doc}",
        Action.CANCEL: f"cancel {doc}",
        Action.RESEND: f"send {doc} again",
        Action.EXCLUDE: f"exclude {doc} from syncing",
        Action.INCLUDE: f"include {doc} in syncing again",
        Action.GIVE_REASON: "say why",
        Action.STORE_LOCATION: "the store location",
        Action.SANDBOX_ADDRESS: "the sandbox's address",
        Action.CLIENT_ID: "your app's client id",
        Action.CLIENT_SECRET: "your app's client secret",
        Action.ENCRYPTED_KEYRING: "an encrypted keyring",
        Action.RELINK: "re-linking turned on",
        Action.REDIRECT_PAGE: "the redirect page's address",
        Action.SHARE_COMPANY_KEY: "show the company key",
        Action.ADD_COMPANY_KEY: "add the company key to this computer",
    }
    return words.get(hint.action, hint.action.value.replace("_", " ")).strip()


def render(text: str, hints: tuple[Hint, ...], as_text: HintText = plain) -> str:
    """``text`` with each ``{N}`` replaced by hint N as ``as_text`` shows it; other braces
    are left alone."""
    if not hints:
        return text

    def one(found: re.Match[str]) -> str:
        opened, quoted, bare, closed = found.groups()
        index = int(quoted if quoted is not None else bare)
        if index >= len(hints):
            return found.group(0)
        shown = as_text(hints[index])
        if not shown and opened and closed:
            return ""
        if quoted is not None and shown != plain(hints[index]):
            shown = f"`{shown}`"
        return f"{opened or ''}{shown}{closed or ''}"

    return _PLACEHOLDER.sub(one, text)


@dataclass(frozen=True)
class Advice:
    """Words for the user with the actions they point at (see the module's docstring)."""

    text: str
    hints: tuple[Hint, ...] = ()

    def __init__(self, text: str, *hints: Hint) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "hints", tuple(hints))

    def words(self, as_text: HintText = plain) -> str:
        return render(self.text, self.hints, as_text)

    def __str__(self) -> str:
        return self.words()


class Hinted(Exception):
    """An exception whose message holds ``{0}``… for its hints: ``str()`` gives the plain
    words, ``words(as_text)`` the message with each hint shown by ``as_text``."""

    def __init__(self, message: str = "", *hints: Hint) -> None:
        self.advice = Advice(message, *hints)
        super().__init__(self.advice.words(plain) if hints else message)

    @property
    def hints(self) -> tuple[Hint, ...]:
        advice = getattr(self, "advice", None)
        return advice.hints if advice is not None else ()

    def words(self, as_text: HintText = plain) -> str:
        """The message with its hints shown by ``as_text`` (a command, a button label…)."""
        advice = getattr(self, "advice", None)
        if advice is None or not advice.hints:
            return str(self)
        return advice.words(as_text)


def words_of(error: BaseException, as_text: HintText = plain) -> str:
    """What an error says, its hints shown by ``as_text`` (``str()`` for any other error)."""
    words = getattr(error, "words", None)
    return words(as_text) if callable(words) else str(error)
