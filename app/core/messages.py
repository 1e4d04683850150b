"""Messages marked for translation where they are written and translated where they are shown (issue 16, item 3).

Vietnamese strings are the msgids; `pybabel extract` (bash dev.sh i18n) finds them by their keyword:

- `N_("…")` — gettext's "noop" marker (babel's default keyword list has `N_`): a label or a refusal kept in a
  constant or raised by a service (a model's status labels, a report's row names, a `DomainError`). The value is
  the Vietnamese text, unchanged; it is translated where it is shown (`{{ _(label) }}` in a template,
  `app.core.transaction.message_for(exc)` for an error).
- `N_("Đợt %(n)s: số tiền phải lớn hơn 0.", n=n)` — a message with named values, raised outside a request (a
  service, a task) or inside one: a `Message`, a `str` holding the Vietnamese text with the values put in (logs,
  `str(exc)`, CLI output and the Vietnamese pages read it as before), which keeps its msgid and values so that
  `message_for` can translate it for an English reader. Never build such a message with an f-string, `%` or
  `.format()`: the catalogue cannot know the result (tests/i18n/test_catalogue.py fails on it).
- `NP_("line", "Chờ xử lý")` — the same with a context (pgettext), for a word whose English depends on where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Message(str):
    """The Vietnamese text of `msgid % params`, remembering `msgid` and `params` to be translated when shown."""

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, params: Mapping[str, object]) -> Message:
        self = super().__new__(cls, msgid % dict(params))
        self.msgid = msgid
        self.params = dict(params)
        return self

    def __reduce__(self) -> tuple[object, ...]:  # picklable (Celery results, multiprocessing)
        return (Message, (self.msgid, dict(self.params)))


def N_(msgid: str, **params: object) -> str:  # noqa: N802 - gettext's conventional name
    """Mark `msgid` for the catalogue; with values, a `Message` (translated later, Vietnamese until then)."""
    return Message(msgid, params) if params else msgid


def NP_(context: str, msgid: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark `msgid` in `context` for the catalogue (shown with pgettext(context, value))."""
    return msgid


def stored(value: object) -> object:
    """A message as JSON keeps it translatable: a `Message` becomes {"msgid": …, "params": {…}} (its values stored
    the same way), anything else is kept as it is. `restored` gives the message back, `translate` shows it."""
    if isinstance(value, Message):
        return {"msgid": value.msgid, "params": {k: stored(v) for k, v in value.params.items()}}
    return value


def restored(value: object) -> Any:  # noqa: ANN401 - whatever was stored
    """The message `stored` kept (a `Message` again, Vietnamese as str), or the value as it was stored."""
    if isinstance(value, dict) and set(value) == {"msgid", "params"} and isinstance(value["msgid"], str):
        params = value["params"] if isinstance(value["params"], dict) else {}
        return Message(value["msgid"], {k: restored(v) for k, v in params.items()})
    return value


def joined(parts: list[str], sep: str = " ") -> str:
    """Several messages shown as one (a form's list of problems in one refusal): a `Message` whose values are the
    parts, so that each part is translated where it is shown (its msgid is only placeholders: no catalogue entry,
    gettext keeps it and puts the translated parts in)."""
    if len(parts) == 1:
        return parts[0]
    msgid = sep.replace("%", "%%").join(f"%(p{i})s" for i in range(len(parts)))
    return Message(msgid, {f"p{i}": part for i, part in enumerate(parts)})
