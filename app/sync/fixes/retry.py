"""A problem that needs no repair, only another try (QuickBooks busy or failing on its
side, a connection that broke off, a record changed there while it was being sent, an
answer that did not match): the document is sent again now. Nothing changes on either
side before the resend; the next sync would send it too, this only saves the wait.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.sync.fixes.base import Change, Choices, FixContext, Option, Plan, Target

FIX = "retry"
SEND_AGAIN = "send_again"


def _names(targets: tuple[Target, ...]) -> str:
    numbers = [t.number for t in targets]
    return numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]


def send_again_option(why: str, recommended: bool = True) -> Option:
    return Option(SEND_AGAIN, "Send it to QuickBooks again now", why, recommended)


def resend_plan(fix: str, targets: tuple[Target, ...], option: Option,
                inputs: Mapping[str, str]) -> Plan:
    """A plan that changes nothing and sends ``targets`` again (POs first)."""
    return Plan(fix, option.name, targets, (), dict(inputs),
                tuple(t.ref for t in targets), {},
                "Nothing changes in SyncDesk or in QuickBooks before it is sent again.")


def choices(ctx: FixContext, targets: tuple[Target, ...]) -> Choices:
    problem = targets[0].problem
    said = [" ".join(str(f.get(k)) for k in ("code", "message") if f.get(k))
            for f in problem.faults]
    record = tuple(("QuickBooks said", words) for words in said if words)
    many = len(targets) > 1
    summary = (f"QuickBooks did not take {_names(targets)} the last time "
               + ("they were" if many else "it was") + " sent"
               + (f": {problem.explanation}" if problem.explanation and not many else ".")
               + " Nothing needs changing: the trouble was on the way to QuickBooks or on "
               "its side.")
    return Choices(FIX, summary, (send_again_option(
        "The next sync sends " + ("them" if many else "it") + " again by itself; sending now "
        "saves the wait. If QuickBooks refuses again, try later."),), record)


def plan(ctx: FixContext, targets: tuple[Target, ...], option: Option,
         inputs: Mapping[str, str]) -> Plan:
    return resend_plan(FIX, targets, option, inputs)


def apply(ctx: FixContext, plan: Plan) -> Sequence[Change]:
    return ()  # nothing to change: the runner sends the documents again
