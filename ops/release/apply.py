"""Apply one traffic/config change to a stack: record the holder, set config, `up`, read back.

The holder (this GitHub run and attempt) is written beside the state *before* `up` takes
the lock, so whoever finds the lock later can ask GitHub whether its holder still lives.
"""

from __future__ import annotations

from collections.abc import Callable

from ops.clients.pulumi_stack import (
    AutomationStack,
    Holder,
    StackApi,
    StackLockedError,
    cancel_command,
)
from ops.release.outputs import StackOutputs
from ops.release.traffic_config import ConfigChange

StackFactory = Callable[[str], StackApi]


def open_stack(name: str) -> StackApi:  # pragma: no cover - the real Automation API
    return AutomationStack(name)


class LockedError(RuntimeError):
    """The state is locked by someone else; the message names the way out."""


def _locked(stack: StackApi, detail: str) -> LockedError:
    return LockedError(
        f"stack {stack.name} is locked by another update ({detail}); run "
        f"`python -m ops.release.restore --stack {stack.name}` or, once its holder is "
        f"gone, `{cancel_command(stack.name)}`"
    )


def apply(stack: StackApi, change: ConfigChange) -> StackOutputs:
    settings = " ".join(f"{k}={v}" for k, v in change.values.items())
    print(f"{stack.name}: {settings} {change.note}".rstrip(), flush=True)
    holder = Holder.from_env()
    if holder is not None:
        # Never overwrite the record of a run that holds the lock now: that record is what
        # tells a later run whether the lock may be cleared. (Releases of one environment
        # are serialised by their concurrency group, and recovery runs first, so the window
        # between this check and `up` taking the lock has no other CI writer.)
        if stack.locked():
            raise _locked(stack, "found before starting")
        stack.record_holder(holder)
    stack.set_config(change.values, change.remove)
    try:
        stack.up()
    except StackLockedError as exc:
        raise _locked(stack, str(exc)) from exc
    except Exception:
        if holder is not None:
            stack.clear_holder()  # the update ended (failed) and Pulumi released its lock
        raise
    if holder is not None:
        # The update ended and released its lock: a lock found later without a record was
        # taken by someone else (a person), never by this run.
        stack.clear_holder()
    return StackOutputs(raw=stack.outputs())
