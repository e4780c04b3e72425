"""Hints as the commands to type (the window shows the same hints as buttons)."""

from __future__ import annotations

import shlex

from app.hints import WORDS, Action, Hint, plain


def _doc(hint: Hint) -> str:
    return f"{hint.get('kind', 'po|invoice')} {shlex.quote(hint.get('number') or 'NUMBER')}"


def as_command(hint: Hint) -> str:
    """``hint`` as a ``syncdesk`` command line (its plain words when it has none)."""
    a = {k: v for k, v in hint.args if k != WORDS}
    commands = {
        Action.CREATE_STORE: "syncdesk init",
        Action.MAKE_BACKUP: " ".join(part for part in ("syncdesk backup",
                                                        a.get("file", "FILE")) if part),
        Action.RESTORE_BACKUP: f"syncdesk restore {a.get('file', 'FILE')}",
        Action.TURN_ON_SETTING: f"syncdesk settings --set {a.get('key', 'KEY')}=on",
        Action.START_SANDBOX: "syncdesk sandbox",
        Action.LIST_SUPPLIERS: "syncdesk list suppliers",
        Action.LIST_ACCOUNTS: "syncdesk list accounts",
        Action.LIST_ITEMS: "syncdesk list items",
        Action.LIST_NEEDING_ATTENTION: f"syncdesk list {a.get('kind', 'po')}s --sync-state "
                                       "needs_attention",
        Action.SHOW_DOCUMENT: f"syncdesk show {_doc(hint)}",
        Action.SHOW_LOG: f"syncdesk log --document {shlex.quote(a.get('number', 'NUMBER'))}",
        Action.EDIT_DOCUMENT: f"syncdesk edit {_doc(hint)} --set "
                              f"{a.get('field', 'FIELD')}={a.get('value', 'VALUE')}",
        Action.EDIT_SUPPLIER: f"syncdesk edit supplier {shlex.quote(a.get('name', 'NAME'))} "
                              f"--set {a.get('field', 'FIELD')}={a.get('value', 'VALUE')}",
        Action.APPROVE: f"syncdesk approve {_doc(hint)}",
        Action.CANCEL: f"syncdesk cancel {_doc(hint)}",
        Action.RESEND: f"syncdesk resend {_doc(hint)}",
        Action.EXCLUDE: f"syncdesk exclude {_doc(hint)} --reason TEXT",
        Action.INCLUDE: f"syncdesk include {_doc(hint)}",
        Action.GIVE_REASON: "--reason",
        Action.STORE_LOCATION: "--db",
        Action.SANDBOX_ADDRESS: "--base-url",
        Action.CLIENT_ID: "--client-id",
        Action.CLIENT_SECRET: "--client-secret",
        Action.ENCRYPTED_KEYRING: "--encrypted-keyring",
        Action.RELINK: "--relink",
        Action.REDIRECT_PAGE: "--redirect-page",
        Action.SHARE_COMPANY_KEY: "syncdesk connection share-key",
        Action.ADD_COMPANY_KEY: "syncdesk connection add-key",
    }
    if hint.action is Action.CONNECT:
        return "syncdesk connect" + (" --relink" if a.get("relink") else "") + (
            f" --env {a['environment']}" if "environment" in a else "") + (
            f" --base-url {a['base_url']}" if "base_url" in a else "") + (
            " …" if not a else "")
    return commands.get(hint.action) or plain(hint)
