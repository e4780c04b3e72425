"""The fix-it service: what went wrong and the ways to fix it, the plan of one way, and
applying it (then resending and verifying). The window's wizards and ``syncdesk fix``
both go through it.

Reading choices and plans may ask QuickBooks (who holds a name, the bill already there)
but changes nothing; only ``apply`` writes, and only after the user confirmed the plan.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.problems import FIXES
from app.domain.roles import Permission
from app.domain.states import DocKind
from app.qbo.client import QboClient
from app.services.sync import NotConnected, Passphrase, qbo_client
from app.services.team import Login, check, store_login
from app.store.database import Store
from app.sync.fixes import module_for
from app.sync.fixes.base import (
    Change,
    Choices,
    FixContext,
    FixFailed,
    Input,
    InputError,
    Option,
    Plan,
    Side,
    Target,
)
from app.sync.fixes.document_steps import permissions_needed
from app.sync.fixes.runner import DocumentResult, FixResult, run_plan
from app.sync.fixes.targets import document_target, group_targets
from app.work import OnProgress

__all__ = ["Change", "Choices", "DocumentResult", "FixChoices", "FixFailed", "FixResult",
           "FixService", "Input", "InputError", "Option", "Plan", "Side", "Target"]


@dataclass(frozen=True)
class FixChoices:
    """The documents to fix (one, or a group's) and the ways to fix them."""

    targets: tuple[Target, ...]
    choices: Choices
    group: str | None = None  # the problem group, when fixing a group at once

    @property
    def fix(self) -> str:
        return self.choices.fix

    @property
    def options(self) -> tuple[Option, ...]:
        return self.choices.options


class FixService:
    def __init__(self, store: Store, actor: str | Login | None = None) -> None:
        self._store = store
        self._actor: Login = (lambda: actor) if isinstance(actor, str) \
            else actor or store_login(store)

    def fix_id(self, kind: DocKind, number: str) -> str:
        """The fix id of a document's problem (no QuickBooks call)."""
        with self._store.session() as session:
            return FIXES[document_target(session, kind, number).problem.kind]

    def choices(self, kind: DocKind, number: str, *, passphrase: Passphrase | None = None,
                cancel: threading.Event | None = None) -> FixChoices:
        """What went wrong with one document and the ways to fix it."""
        with self._store.session() as session:
            targets = (document_target(session, kind, number),)
        return self._choices(targets, None, passphrase, cancel)

    def group_choices(self, key: str, *, passphrase: Passphrase | None = None,
                      cancel: threading.Event | None = None) -> FixChoices:
        """The same for every document of one root cause (a problem group)."""
        with self._store.session() as session:
            targets = group_targets(session, key)
        return self._choices(targets, key, passphrase, cancel)

    def plan(self, subject: FixChoices, option: str | None = None,
             inputs: Mapping[str, str] | None = None, *,
             passphrase: Passphrase | None = None) -> Plan:
        """The exact changes of ``option`` (the recommended one for None), inputs filled
        from the option's suggestions where not given. Changes nothing."""
        chosen = subject.choices.option(option)
        given = {i.key: i.suggested for i in chosen.inputs}
        given.update({k: v for k, v in (inputs or {}).items()})
        unknown = sorted(set(given) - {i.key for i in chosen.inputs})
        if unknown:
            raise InputError({key: "this option does not take it (it takes "
                              + (", ".join(i.key for i in chosen.inputs) or "nothing") + ")"
                              for key in unknown})
        ctx = self._context(passphrase, None)
        return module_for(subject.fix).plan(ctx, subject.targets, chosen, given)

    def apply(self, plan: Plan, *, passphrase: Passphrase | None = None,
              on_progress: OnProgress | None = None,
              cancel: threading.Event | None = None) -> FixResult:
        """Make the plan's changes, resend its documents, and say where each stands.

        Refused before anything changes when the plan holds what the acting user's role
        may not do (an approval override, a company setting)."""
        login = self._actor()
        for needed in (Permission.WORK, *sorted(permissions_needed(plan.changes))):
            check(self._store, needed, login)
        ctx = self._context(passphrase, cancel, need=True)
        return run_plan(ctx, plan, on_progress)

    def _choices(self, targets: tuple[Target, ...], group: str | None,
                 passphrase: Passphrase | None, cancel: threading.Event | None) -> FixChoices:
        fix = FIXES[targets[0].problem.kind]
        module = module_for(fix)
        ctx = self._context(passphrase, cancel)
        return FixChoices(targets, module.choices(ctx, targets), group)

    def _context(self, passphrase: Passphrase | None, cancel: threading.Event | None,
                 need: bool = False) -> FixContext:
        client: QboClient | None
        try:
            client = qbo_client(self._store, passphrase)
        except NotConnected:
            if need:
                raise
            client = None
        return FixContext(self._store, client, self._actor(),
                          cancel or threading.Event())
