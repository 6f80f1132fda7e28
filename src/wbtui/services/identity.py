"""Where the user's login and role come from (README "Data protection", trust model).

Without a server the configuration file says who works here, and the OS account is the boundary: whoever
can edit the file can edit the store too. With a server, ``wbtui sync login`` (and every sync) asks the
server who the token belongs to and *pins* that login, role and team (the server's user record,
``wbtui server user add --team``) into the store; from then on the pinned values count, whatever the
configuration file says, so editing ``role = "dsb"`` or another ``team`` into the file (or deleting the team
line) widens nothing. A pinned user without a team has no team scope: their own cases only. Only the server
(a new token, a changed user) changes them.

The office is pinned too: the server's organisation id becomes the id of the home organisation on the
device (:func:`home_org_id`), so a freshly synced device answers lists and ``case show`` alike from the first
moment, and every device of an office knows it by the same id.

Light on purpose (no ORM): the read paths (:mod:`wbtui.services.reads`) use it as well as the services.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from wbtui.data.access import home_org_id  # noqa: F401 - re-exported: the office as the read paths see it
from wbtui.domain.errors import WbtuiError
from wbtui.domain.process import ROLES

log = logging.getLogger("wbtui.identity")
KEYS = ("pinned_login", "pinned_role", "pinned_org_kind", "pinned_at", "pinned_team", "pinned_org_id")


@dataclass(frozen=True)
class Pin:
    login: str
    role: str
    org_kind: str | None
    at: str
    team: str | None = None  # the server's user record; None: no team (own cases only)
    org_id: str | None = None  # the home organisation's id on this device


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
    return Pin(
        rows["pinned_login"],
        rows["pinned_role"],
        rows.get("pinned_org_kind"),
        rows.get("pinned_at") or "",
        rows.get("pinned_team") or None,
        rows.get("pinned_org_id") or None,
    )


def effective(store, config):
    """The configuration with the pinned login, role and team in force (unchanged when nothing is pinned)."""
    pin = pinned(store)
    if pin is None:
        return config
    if (pin.login, pin.role, pin.team) != (config.user_login, config.user_role, config.user_team):
        log.info("configured user differs from the server's; the server's login, role and team apply")
    return dataclasses.replace(config, user_login=pin.login, user_role=pin.role, user_team=pin.team, team_pinned=True)


def pin(store, hello: dict) -> Pin:
    """Record the login and role the server's ``hello`` answer names for the token (the server's word)."""
    from wbtui.domain.text import clean

    login, role, kind = hello.get("login"), hello.get("role"), hello.get("org_kind")
    if not isinstance(login, str) or not login.strip() or len(login) > 100 or role not in ROLES:
        raise WbtuiError("err.sync_bad_identity")
    raw_team = hello.get("team")
    team = clean(raw_team).strip()[:100] if isinstance(raw_team, str) else ""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    values = {
        "pinned_login": login.strip(),
        "pinned_role": role,
        "pinned_org_kind": str(kind or "")[:40],
        "pinned_at": at,
        "pinned_team": team,  # "" = the server's user has no team
    }
    with store.transaction() as con:
        org_id = _home_org(con, hello)
        values["pinned_org_id"] = org_id or ""
        for key, value in values.items():
            con.execute(
                "INSERT INTO store_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
    return Pin(values["pinned_login"], role, values["pinned_org_kind"] or None, at, team or None, org_id)


def _home_org(con, hello: dict) -> str | None:
    """The home organisation row for the server's organisation: the one already pinned, else one made with the
    server's id (a store that worked before sync keeps its own row of the same name and kind)."""
    import re

    from wbtui.domain.text import clean

    org_id, kind, name = hello.get("org_id"), hello.get("org_kind"), hello.get("org_name")
    if not isinstance(org_id, str) or not re.fullmatch(r"[0-9a-f]{32}", org_id) or not isinstance(kind, str):
        return None
    if con.execute("SELECT 1 FROM organisation WHERE id = ?", (org_id,)).fetchone():
        return org_id
    name = clean(name).strip()[:200] if isinstance(name, str) else ""
    if name:
        row = con.execute("SELECT id FROM organisation WHERE name = ? AND kind = ?", (name, kind)).fetchone()
        if row:
            return row[0]
    con.execute(
        "INSERT INTO organisation (id, kind, name, created_at) VALUES (?, ?, ?, ?)",
        (org_id, clean(kind)[:40], name or "–", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")),
    )
    return org_id
