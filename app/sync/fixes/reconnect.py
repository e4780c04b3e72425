"""``reconnect``: QuickBooks no longer accepts SyncDesk's sign-in (the connection was
revoked, or has expired), so the sync stopped and its documents wait.

The one option needs the user: sign in to QuickBooks again (the window's Connect, the
command line's connect), then this fix checks the connection works and sends the
documents that waited on it, POs first.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, col, select

from app.domain.problems import Kind
from app.domain.states import NEEDS_ATTENTION, DocKind
from app.hints import Action, Hint
from app.qbo.errors import OAuthError, QboFault
from app.store.models import Invoice, PurchaseOrder
from app.sync import actions
from app.sync.fixes.base import (
    Change,
    Choices,
    FixContext,
    FixFailed,
    Option,
    Plan,
    Side,
    Target,
)

FIX = "reconnect"
SIGN_IN = ("Sign in to QuickBooks again ({0}); then run this fix again and the documents "
           "that waited are sent.")


def _waiting(session: Session) -> list[tuple[DocKind, str]]:
    """Every document that stopped because QuickBooks wanted a new sign-in, POs first."""
    out: list[tuple[DocKind, str]] = []
    for kind, model in ((DocKind.PO, PurchaseOrder), (DocKind.INVOICE, Invoice)):
        out += [(kind, row.number) for row in session.exec(select(model).where(
            col(model.sync_state).in_([s.value for s in NEEDS_ATTENTION]),
            col(model.problem) == Kind.AUTH_NEEDED.value).order_by(col(model.id)))]
    return out


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    with ctx.session() as session:
        waiting = _waiting(session)
    count = len(waiting) or len(targets)
    return Choices(
        FIX, "QuickBooks no longer accepts SyncDesk's sign-in (it was revoked or has "
        f"expired), so the sync stopped; {count} document{'s' if count != 1 else ''} "
        "wait for it. Nothing is lost: they go once SyncDesk is connected again.",
        (Option("reconnect", "Connect to QuickBooks again",
                "Sign in to QuickBooks again; SyncDesk then checks the connection works and "
                "sends the documents that waited, POs first.", recommended=True),),
        (("Documents waiting", ", ".join(n for _, n in waiting) or
          ", ".join(t.number for t in targets)),))


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    with ctx.session() as session:
        waiting = _waiting(session)
    refs = tuple(dict.fromkeys([*(t.ref for t in targets), *waiting]))
    changes = (Change(Side.SYNCDESK, "Documents waiting on the sign-in",
                      ", ".join(n for _, n in refs), "sent again"),)
    note = ("The connection must work first: when QuickBooks still refuses the sign-in, "
            "this fix stops and says how to connect again.")
    return Plan(FIX, option.name, targets, changes, dict(inputs), refs, {}, note)


def apply(ctx: FixContext, plan: Plan) -> None:
    if ctx.client is None:
        raise FixFailed(SIGN_IN, Hint.of(Action.CONNECT, words=""))
    try:
        ctx.client.company_info()  # the connection works (a refresh, if due, happens here)
    except OAuthError:
        raise FixFailed("QuickBooks still does not accept SyncDesk's sign-in. " + SIGN_IN,
                        Hint.of(Action.CONNECT, words="")) from None
    except QboFault as fault:
        if not fault.auth_failed:
            raise
        raise FixFailed("QuickBooks still does not accept SyncDesk's sign-in. " + SIGN_IN,
                        Hint.of(Action.CONNECT, words="")) from None
    with ctx.session() as session:
        actions.queue_after_sign_in(session, ctx.actor)
