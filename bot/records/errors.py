"""Exceptions raised by the records layer.

Callers (action server, web API, CLI) turn these into user-facing answers, so
they subclass the builtin they mean: a bad input is a ValueError, a missing
record a LookupError.
"""


class RecordError(ValueError):
    """An input was rejected; the message says which field and why."""


class NotFound(RecordError, LookupError):
    """The loan, borrower or handoff named does not exist."""


class AuditImmutable(RuntimeError):
    """Someone tried to change or delete an audit entry through the ORM."""
