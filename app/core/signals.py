"""Signals by which a domain package tells the ground what happened, so that app.core imports no domain package.

`money_moved`: sent by app.ledger after it posts a transaction (sender: the SQLAlchemy session it flushed into,
keyword `transaction`). The public page cache listens: it renews its pages once that session commits.
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

money_moved = signals.signal("money-moved")
