"""The errors of the storage layer: ``StoreError`` for problems a user can act on (the
domain's ``ActionError``, so a permission refusal, ``AccessDenied``, is one of them too),
and the database's own failures, named here so that no other layer imports SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import SQLAlchemyError as DatabaseError

from ecocity.core.errors import ActionError as StoreError

__all__ = ["DatabaseError", "StoreError", "is_outage"]


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database did not answer (down, restarting, unreachable)."""
    return isinstance(exc, OperationalError | DBAPIError)
