"""The run's clock: SOURCE_DATE_EPOCH pins it (reproducible output), else the real one."""

from __future__ import annotations

import datetime as dt
import os
import re

from errata_tpl.errors import UserError

_SECONDS = re.compile(r"^[0-9]{1,12}$")
_LAST = 253402300799  # 9999-12-31T23:59:59Z: later dates do not exist in Python


def pinned() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH as a UTC time; None when unset or empty; anything but whole
    seconds from 1970 to 9999 is a one-line error."""
    text = os.environ.get("SOURCE_DATE_EPOCH")
    if not text:
        return None
    if not _SECONDS.match(text) or int(text) > _LAST:
        raise UserError(
            f"SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01 UTC (0 to {_LAST}), got {text!r:.40}"
        )
    return dt.datetime.fromtimestamp(int(text), tz=dt.timezone.utc)


def real() -> dt.datetime:
    return dt.datetime.now(tz=dt.timezone.utc)


def now() -> dt.datetime:
    return pinned() or real()
