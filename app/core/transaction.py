"""The commit boundary: one commit per request, per task, per CLI command (docs/CONVENTIONS.md, "The commit boundary").

Services only flush. The request commits once, after the view returned, when the response is a success (< 400) —
the way Indico's request handler commits after `_process` — and rolls back otherwise (an abort, an error page, an
exception). A Celery task (app.extensions.FlaskTask) commits once when it returns and rolls back when it raises.
A CLI command calls `commit()` when it is done.

- `on_commit(fn)`: something irreversible that must follow the commit (an e-mail sent now): runs right after the
  boundary's commit, and never when the work is rolled back. Background tasks go through app.core.outbox instead.
- `checkpoint()`: a task (or command) that works in chunks, or claims a row before mailing, commits what is done so
  far; the one explicit mid-unit commit, named so that it is not confused with the boundary.
- `domain_errors(form)`: the one way a view turns a service's refusal (a `ValueError`, see `DomainError`) into a
  Vietnamese message on the form (on the field the error names) or a flash: rolls back, nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, flash
from sqlalchemy import event
from sqlalchemy.orm import Session

ON_COMMIT = "boundary.on_commit"  # Session.info: callables to run after the boundary's commit


class DomainError(ValueError):
    """A service's refusal, in Vietnamese (the msgid). `field`: the form field it is about, when there is one,
    so that `domain_errors` shows it under that field instead of at the top of the page.

    Every domain package's own error (PledgeError, CollectionError, ...) is a ValueError; those that subclass
    DomainError may name a field."""

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field


def _session() -> Session:
    from app.extensions import db

    return db.session()


# --- the boundary ----------------------------------------------------------------------------------------------
def commit(session: Session | None = None) -> None:
    """The boundary's commit (the request hook, the task base, a CLI command at its end), then what `on_commit`
    queued. Nothing else in app/ calls `.commit()` (tests/foundation/test_commit_boundary.py)."""
    session = session or _session()
    session.commit()
    for fn in session.info.pop(ON_COMMIT, []):
        fn()


def rollback(session: Session | None = None) -> None:
    (session or _session()).rollback()


def checkpoint(session: Session | None = None) -> None:
    """Commit the work done so far inside a task or command (one chunk of many; a row claimed before the mail that
    must not go twice). Not for views: a request's work is one unit."""
    commit(session)


def on_commit(fn: Callable[[], Any], session: Session | None = None) -> None:
    """Run `fn` right after the current unit of work is committed by the boundary; dropped if it rolls back."""
    (session or _session()).info.setdefault(ON_COMMIT, []).append(fn)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(ON_COMMIT, None)


def init_app(app: Flask) -> None:
    """Register the request boundary. Registered after the replica's after_request hook, so that it runs before it
    (Flask runs them in reverse): the replica notes the WAL position of what this commit wrote."""

    @app.after_request
    def commit_request(response: Response) -> Response:
        session = _session()
        if response.status_code >= 400:
            session.rollback()
        elif session.in_transaction() or session.info.get(ON_COMMIT):
            # A failure here is the request's: the error handler answers 500 and nothing is saved. A streamed body
            # (an export) runs after this, reading in a transaction of its own.
            commit(session)
        return response


# --- a service's refusal on the form ---------------------------------------------------------------------------
@dataclass
class Outcome:
    """What `domain_errors` saw: `ok` until the block raised one of the domain errors; `error` is it."""

    ok: bool = True
    error: Exception | None = None
    message: str = ""


def message_for(exc: Exception, prefix: str = "") -> str:
    """The message of a domain error in the reader's language (Vietnamese, or its catalogue entry), after `prefix`."""
    return f"{prefix}{translate(exc.args[0] if len(exc.args) == 1 else str(exc))}"


def translate(value: object) -> str:
    """A message raised or kept as Vietnamese, in the reader's language: a `N_(msgid, **values)` message through its
    msgid with its values translated too (a field's label, a status label, a nested error's message; data such as
    a name or an amount has no entry and stays as it is), any other text looked up as it is (app.core.messages)."""
    from flask_babel import gettext

    from app.core.messages import Message

    if isinstance(value, BaseException):
        return translate(value.args[0] if len(value.args) == 1 else str(value))
    if isinstance(value, Message):
        return gettext(
            value.msgid,
            **{k: translate(v) if isinstance(v, str | BaseException) else v for k, v in value.params.items()},
        )
    text = str(value)
    return gettext(text) if text.strip() else text  # gettext("") would be the catalogue's header


@contextmanager
def domain_errors(
    form: Any = None,
    *,
    errors: type[Exception] | tuple[type[Exception], ...] = ValueError,
    field: str | None = None,
    prefix: str = "",
    category: str = "error",
    quiet: bool = False,
    savepoint: bool = False,
) -> Iterator[Outcome]:
    """Run a service call; when it refuses (one of `errors`, by default every ValueError: our services' Vietnamese
    refusals), roll back everything the request did and show the message: under the form field the error names
    (`exc.field`, else `field`) when the form has it, otherwise as a flash; `quiet`: neither (a JSON answer says
    it: `outcome.message`). The block's `Outcome` says which. `savepoint`: undo only what the block did (a
    savepoint), keeping what the request did before it (corrections saved even when the import they precede is
    refused).

        with domain_errors(form) as outcome:
            services.update_need(db.session, actor, need, ...)
            flash(_("Đã lưu."), "success")
        if outcome.ok:
            return redirect(...)
        return render_template(..., form=form)
    """
    outcome = Outcome()
    nested = _session().begin_nested() if savepoint else None
    try:
        yield outcome
        if nested is not None and nested.is_active:
            nested.commit()  # releases the savepoint; the request's boundary commits
    except errors as exc:
        if nested is not None and nested.is_active:
            nested.rollback()
        else:
            rollback()
        outcome.ok, outcome.error, outcome.message = False, exc, message_for(exc, prefix)
        if quiet:
            return
        name = getattr(exc, "field", None) or field
        target = getattr(form, name, None) if (form is not None and name) else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, outcome.message]
        else:
            flash(outcome.message, category)


def flash_result(
    action: Callable[[], object],
    success: str,
    *,
    errors: type[Exception] | tuple[type[Exception], ...] = ValueError,
    prefix: str = "",
) -> bool:
    """Run the service call behind a posted button (no form to re-render): flash `success`, or roll back and flash
    the refusal (after `prefix`). The request's boundary commits. Returns whether it succeeded."""
    with domain_errors(errors=errors, prefix=prefix) as outcome:
        action()
        flash(success, "success")
    return outcome.ok
