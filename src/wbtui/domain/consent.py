"""When a consent covers a transfer (§ 67b SGB X, Art. 7 DSGVO): given, not yet expired, not revoked,
for one of the purposes, naming the recipient and, where asked, the data group.

Pure: works on anything with the consent's attributes (the local ORM row or the server's view of
the registers), so the device and the server decide by the same rule.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol


class ConsentLike(Protocol):
    """Read-only: the rule only reads, so a frozen record (the server's ``ConsentTerms``) fits as well."""

    @property
    def purpose(self) -> str: ...
    @property
    def recipients(self) -> list: ...
    @property
    def data_groups(self) -> list: ...
    @property
    def given_on(self) -> date: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def revoked_on(self) -> date | None: ...


def consent_covers(
    c: ConsentLike, on: date, recipient: str | None, purposes: tuple[str, ...], group: str | None = None
) -> bool:
    if c.revoked_on is not None and c.revoked_on <= on:
        return False
    if c.given_on > on or (c.valid_until is not None and c.valid_until < on):
        return False
    if c.purpose not in purposes:
        return False
    if recipient is not None and recipient not in (c.recipients or []):
        return False
    if group is not None and group not in (c.data_groups or []):
        return False
    return True
