"""Where the user's login and role come from (README "Data protection", trust model).

Without a server the configuration file says who works here, and the OS account is the boundary: whoever
can edit the file can edit the store too. With a server, ``wbtui sync login`` (and every sync) asks the
server who the token belongs to and *pins* that login and role into the store; from then on the pinned
values count, whatever the configuration file says, so editing ``role = "dsb"`` into the file no longer
opens the audit trail. Only the server (a new token, a changed user) changes them.

Light on purpose (no ORM): the read paths (:mod:`wbtui.services.reads`) use it as well as the services.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from wbtui.domain.errors import WbtuiError
from wbtui.domain.process import ROLES

log = logging.getLogger("wbtui.identity")
KEYS = ("pinned_login", "pinned_role", "pinned_org_kind", "pinned_at")


@dataclass(frozen=True)
class Pin:
    login: str
    role: str
    org_kind: str | None
    at: str


def pinned(store) -> Pin | None:
    """The identity the server confirmed for this store, or None (no server used yet)."""
    con = store.raw()
    try:
        rows = dict(
            con.execute(
                f"SELECT key, value FROM store_meta WHERE key IN ({','.join('?' * len(KEYS))})", KEYS
            ).fetchall()
        )
    finally:
        con.close()
    if not rows.get("pinned_login") or rows.get("pinned_role") not in ROLES:
        return None
    return Pin(rows["pinned_login"], rows["pinned_role"], rows.get("pinned_org_kind"), rows.get("pinned_at") or "")


def effective(store, config):
    """The configuration with the pinned login and role in force (unchanged when nothing is pinned)."""
    pin = pinned(store)
    if pin is None or (pin.login, pin.role) == (config.user_login, config.user_role):
        return config
    log.info("configured user differs from the server's; the server's login and role apply")
    return dataclasses.replace(config, user_login=pin.login, user_role=pin.role)


def pin(store, hello: dict) -> Pin:
    """Record the login and role the server's ``hello`` answer names for the token (the server's word)."""
    login, role, kind = hello.get("login"), hello.get("role"), hello.get("org_kind")
    if not isinstance(login, str) or not login.strip() or len(login) > 100 or role not in ROLES:
        raise WbtuiError("err.sync_bad_identity")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    values = {
        "pinned_login": login.strip(),
        "pinned_role": role,
        "pinned_org_kind": str(kind or "")[:40],
        "pinned_at": at,
    }
    with store.transaction() as con:
        for key, value in values.items():
            con.execute(
                "INSERT INTO store_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
    return Pin(values["pinned_login"], role, values["pinned_org_kind"] or None, at)
