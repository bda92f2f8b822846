"""`UserToken`: a user's bearer token that cannot leak by accident.

The value is only reachable through `reveal()`, called where a credential is built (an
`Authorization` header, a kubeconfig). `repr`, `str`, f-strings, logging and pickling show
a fingerprint at most, so a token never lands in a log, a metric, an error or a result.
"""

from __future__ import annotations

import hashlib
from typing import NoReturn


class UserToken:
    __slots__ = ("_fingerprint", "_value")

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValueError("a user token must not be empty")
        self._value = value
        # sha256, truncated: enough to tell users' pooled sessions apart, useless to an attacker.
        self._fingerprint = hashlib.sha256(value.encode()).hexdigest()[:16]

    @classmethod
    def optional(cls, value: str | None) -> UserToken | None:
        """A token from possibly missing input: None for None or blank."""
        if value is None or not value.strip():
            return None
        return cls(value)

    def reveal(self) -> str:
        """The secret itself; call only where a credential is built."""
        return self._value

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def __repr__(self) -> str:
        return f"UserToken(fingerprint={self._fingerprint})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UserToken) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._fingerprint)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a UserToken cannot be pickled")
