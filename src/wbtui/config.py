"""Local configuration (lokale Ausgestaltung): one TOML file, validated in full.

A bad file is refused as a whole with the file, line and field named; nothing
starts half-configured. Found through platformdirs or ``WBTUI_CONFIG``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from wbtui import paths
from wbtui.domain.errors import ConfigError
from wbtui.domain.timers import Timers

ORG_KINDS = ("jobcenter_ge", "jobcenter_zkt", "agentur", "bildungstraeger", "kommunaler_dienst", "other")


@dataclass(frozen=True)
class LocalObstacle:
    code: str
    label: str
    label_en: str
    group: str
    art9: bool


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    language: str = "de"
    office_name: str = "Jobcenter Musterstadt"
    office_kind: str = "jobcenter_ge"
    office_number: str | None = None
    office_address: str | None = None
    office_phone: str | None = None  # the contact phone on documents (Übergabebogen, letterhead)
    office_mailbox: str | None = None  # the office's function mailbox on documents
    office_bundesland: str | None = None  # ISO code of the Land: its public holidays count (domain/workdays.py)
    partner_agentur: str = "Agentur für Arbeit Musterstadt"
    office_colleagues: tuple[str, ...] = ()  # logins a case may be handed to (README "Vertretung")
    user_name: str = "Sachbearbeitung"
    user_login: str = "local"
    user_role: str = "jc_ifk"
    user_team: str | None = None
    team_pinned: bool = False  # the team is the server's (services/identity.py): None then means no team
    timers: Timers = field(default_factory=Timers)
    aptitude_check: bool = True
    rehab_track: bool = True
    holidays: frozenset[date] = frozenset()
    local_obstacles: tuple[LocalObstacle, ...] = ()
    keys: dict[str, str] = field(default_factory=dict)
    sync_url: str | None = None
    sync_ca_file: str | None = None
    sync_interval: int = 60
    document_font: str | None = None
    retention_closed_days: int = 365
    idle_lock_minutes: int = 15
    store_encryption: bool = False
    store_key_file: str | None = None

    @property
    def side(self) -> str:
        from wbtui.domain.process import ROLE_SIDE

        return ROLE_SIDE.get(self.user_role, "none")

    def catalog(self):
        from wbtui.domain.catalog import Catalog, ObstacleType

        return Catalog(
            tuple(
                ObstacleType(o.code, o.label, o.label_en, o.group, "", "art9" if o.art9 else "normal", local=True)
                for o in self.local_obstacles
            )
        )

    def calendar(self):
        from wbtui.domain.workdays import WorkCalendar

        return WorkCalendar(self.holidays, bundesland=self.office_bundesland)

    def enabled_optional(self):
        from wbtui.domain.process import Stage

        out = set()
        if self.aptitude_check:
            out.add(Stage.APTITUDE_CHECK)
        if self.rehab_track:
            out.add(Stage.REHAB_TRACK)
        return frozenset(out)


_SCHEMA: dict[str, dict[str, tuple[type, ...]]] = {
    "": {"language": (str,), "holidays": (list,)},
    "office": {
        "name": (str,),
        "kind": (str,),
        "number": (str,),
        "address": (str,),
        "phone": (str,),
        "mailbox": (str,),
        "partner_agentur": (str,),
        "bundesland": (str,),
        "colleagues": (list,),
    },
    "user": {"name": (str,), "login": (str,), "role": (str,), "team": (str,)},
    "timers": dict.fromkeys(Timers.__dataclass_fields__, (int,)),
    "stages": {"aptitude_check": (bool,), "rehab_track": (bool,)},
    "keys": {},
    "sync": {"url": (str,), "ca_file": (str,), "interval_seconds": (int,)},
    "documents": {"font": (str,)},
    "retention": {"closed_case_days": (int,)},
    "security": {"idle_lock_minutes": (int,)},
    "store": {"encryption": (str,), "key_file": (str,)},
}
_BOUNDED = {
    ("sync", "interval_seconds"): ("sync_interval", 10, 3600),
    ("retention", "closed_case_days"): ("retention_closed_days", 30, 3660),
    ("security", "idle_lock_minutes"): ("idle_lock_minutes", 1, 60),
}
_LOCAL_CODE = re.compile(r"^X-[A-Z0-9]{2,8}$")


def _line_of(text: str, section: str, key: str | None) -> int:
    """Best-effort line number of ``key`` in ``[section]`` (1-based; 0 if unknown)."""
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?$", line)
        if header:
            current = header.group(1)
            if key is None and current == section:
                return number
            continue
        if key is not None and current == section and re.match(rf'^"?{re.escape(key)}"?\s*=', line):
            return number
    return 0


def load(path: Path | None = None) -> Config:
    """Load and validate the config file; a missing file at the default place gives the defaults.

    A file named by ``WBTUI_CONFIG`` must exist: a mistyped name would otherwise start wbtui with the
    default office and role instead of the intended ones."""
    import os

    named = path is None and bool(os.environ.get("WBTUI_CONFIG"))
    path = path or paths.config_file()
    if not path.exists():
        if named:
            raise ConfigError("err.config_missing", file=str(path))
        return Config(source=None)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("err.config_unreadable", file=str(path), detail=str(exc)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _parse_line(str(exc))
        raise ConfigError("err.config_syntax", file=str(path), line=line, detail=getattr(exc, "msg", str(exc))) from exc

    def fail(section: str, key: str | None, problem: str, **params) -> ConfigError:
        name = f"{section}.{key}" if section and key else (key or section)
        from wbtui.i18n import t

        return ConfigError(
            "err.config_field",
            file=str(path),
            line=_line_of(text, section, key),
            field=name,
            problem=t(problem, **params),
        )

    kwargs: dict = {"source": path}
    for key, value in data.items():
        if isinstance(value, dict) and key in _SCHEMA and key != "":
            continue
        if key == "obstacles":
            continue
        if key not in _SCHEMA[""]:
            raise fail("", key, "cfg.unknown_field")
        if not isinstance(value, _SCHEMA[""][key]):
            raise fail("", key, "cfg.wrong_type")
    for section, fields in _SCHEMA.items():
        if not section or section not in data:
            continue
        block = data[section]
        if not isinstance(block, dict):
            raise fail(section, None, "cfg.wrong_type")
        for key, value in block.items():
            if section == "keys":
                if not isinstance(value, str) or not value.strip():
                    raise fail(section, key, "cfg.wrong_type")
                continue
            if key not in fields:
                raise fail(section, key, "cfg.unknown_field")
            if not isinstance(value, fields[key]) or (fields[key] == (int,) and isinstance(value, bool)):
                raise fail(section, key, "cfg.wrong_type")

    from wbtui.i18n import LANGUAGES

    language = data.get("language", "de")
    if language not in LANGUAGES:
        raise fail("", "language", "cfg.one_of", choices=", ".join(LANGUAGES))
    kwargs["language"] = language
    holidays = set()
    for item in data.get("holidays", []):
        if isinstance(item, date):
            holidays.add(item)
            continue
        try:
            holidays.add(date.fromisoformat(str(item)))
        except ValueError:
            raise fail("", "holidays", "cfg.bad_date", value=str(item)) from None
    kwargs["holidays"] = frozenset(holidays)

    office = data.get("office", {})
    if "kind" in office and office["kind"] not in ORG_KINDS:
        raise fail("office", "kind", "cfg.one_of", choices=", ".join(ORG_KINDS))
    if "bundesland" in office:
        from wbtui.domain.workdays import LAENDER

        land = office["bundesland"].strip().upper()
        if land not in LAENDER:
            raise fail("office", "bundesland", "cfg.one_of", choices=", ".join(LAENDER))
        kwargs["office_bundesland"] = land
    for key, attr in (
        ("name", "office_name"),
        ("kind", "office_kind"),
        ("number", "office_number"),
        ("address", "office_address"),
        ("phone", "office_phone"),
        ("mailbox", "office_mailbox"),
        ("partner_agentur", "partner_agentur"),
    ):
        if key in office:
            kwargs[attr] = office[key].strip()

    if "colleagues" in office:
        kwargs["office_colleagues"] = tuple(str(login).strip() for login in office["colleagues"] if str(login).strip())

    user = data.get("user", {})
    from wbtui.domain.process import ROLES

    if "role" in user and user["role"] not in ROLES:
        raise fail("user", "role", "cfg.one_of", choices=", ".join(ROLES))
    for key, attr in (("name", "user_name"), ("login", "user_login"), ("role", "user_role"), ("team", "user_team")):
        if key in user:
            kwargs[attr] = user[key].strip()

    timers = data.get("timers", {})
    for key, value in timers.items():
        if not 0 < value <= 365:
            raise fail("timers", key, "cfg.range", low=1, high=365)
    kwargs["timers"] = Timers(**timers)

    stages = data.get("stages", {})
    for key in ("aptitude_check", "rehab_track"):
        if key in stages:
            kwargs[key] = stages[key]

    kwargs["keys"] = dict(data.get("keys", {}))
    sync = data.get("sync", {})
    if "url" in sync:
        if not re.match(r"^https?://[^\s/]+", sync["url"]):
            raise fail("sync", "url", "cfg.url")
        kwargs["sync_url"] = sync["url"]
    if "ca_file" in sync:
        kwargs["sync_ca_file"] = sync["ca_file"]
    # bounded integers: (section, key) -> (config attribute, low, high)
    for (section, key), (attr, low, high) in _BOUNDED.items():
        value = data.get(section, {}).get(key)
        if value is None:
            continue
        if not low <= value <= high:
            raise fail(section, key, "cfg.range", low=low, high=high)
        kwargs[attr] = value
    store = data.get("store", {})
    if "encryption" in store:
        if store["encryption"] not in ("none", "sqlcipher"):
            raise fail("store", "encryption", "cfg.one_of", choices="none, sqlcipher")
        kwargs["store_encryption"] = store["encryption"] == "sqlcipher"
    if "key_file" in store:
        kwargs["store_key_file"] = store["key_file"]
    font = data.get("documents", {}).get("font")
    if font is not None:
        if not Path(font).expanduser().is_file():
            raise fail("documents", "font", "cfg.no_file", value=font)
        kwargs["document_font"] = str(Path(font).expanduser())
    kwargs["local_obstacles"] = _local_obstacles(data.get("obstacles", []), text, fail)
    return Config(**kwargs)


def _local_obstacles(items, text, fail) -> tuple[LocalObstacle, ...]:
    from wbtui.domain.catalog import BUILTIN, GROUPS

    if not isinstance(items, list):
        raise fail("obstacles", None, "cfg.wrong_type")
    builtin = {o.code for o in BUILTIN}
    out, seen = [], set()
    for item in items:
        if not isinstance(item, dict):
            raise fail("obstacles", None, "cfg.wrong_type")
        unknown = set(item) - {"code", "label", "label_en", "group", "art9"}
        if unknown:
            raise fail("obstacles", sorted(unknown)[0], "cfg.unknown_field")
        code = str(item.get("code", "")).strip().upper()
        if not _LOCAL_CODE.match(code):
            raise fail("obstacles", "code", "cfg.local_code", value=code)
        if code in builtin or code in seen:
            raise fail("obstacles", "code", "cfg.duplicate_code", value=code)
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise fail("obstacles", "label", "cfg.required")
        group = item.get("group", "lokal")
        if group not in GROUPS:
            raise fail("obstacles", "group", "cfg.one_of", choices=", ".join(GROUPS))
        art9 = item.get("art9", False)
        if not isinstance(art9, bool):
            raise fail("obstacles", "art9", "cfg.wrong_type")
        seen.add(code)
        out.append(LocalObstacle(code, label.strip(), str(item.get("label_en", label)).strip(), group, art9))
    return tuple(out)


def _parse_line(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 0


EXAMPLE = """\
# wbtui configuration (lokale Ausgestaltung)
language = "de"            # "de" or "en"
holidays = []              # office holidays besides the public ones, e.g. ["2026-12-24"]

[office]
name = "Jobcenter Musterstadt"
kind = "jobcenter_ge"      # jobcenter_ge | jobcenter_zkt | agentur | ...
number = "12345"           # Trägernummer
address = "Musterstraße 1, 12345 Musterstadt"   # letterhead of printed documents
phone = "0611 12345-0"     # contact phone on the Übergabebogen
mailbox = "Jobcenter-Musterstadt.FbW@jobcenter-ge.de"   # function mailbox on the Übergabebogen
partner_agentur = "Agentur für Arbeit Musterstadt"
bundesland = "HE"          # the Land's public holidays count as non-working days (BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH)
# colleagues = ["ifk.ole", "tl.tina"]   # logins a case may be handed to besides those the office already knows

[user]
name = "A. Beispiel"
login = "abeispiel"
role = "jc_ifk"            # jc_ifk | jc_fallmanager | jc_teamlead | aa_beratung | aa_reha | dsb | admin
# team = "Team FbW"        # with teams, a caseworker sees the own team's cases; others only by break-glass

[timers]                   # "nobody gets lost" timers
handover_ack_workdays = 5
appointment_workdays = 10
voucher_warn_days = 14
start_confirm_days = 7
training_contact_weeks = 8
after_course_weeks = 4
stalled_days = 30

[stages]
aptitude_check = true
rehab_track = true

# [[obstacles]]            # local obstacle codes
# code = "X-WOB"
# label = "Wohnortnahe Maßnahme erforderlich"
# group = "lokal"
# art9 = false

# [keys]                   # remap bindings by id
# "board.filter" = "slash"

[retention]                # agreed with the data-protection officer (DSB)
closed_case_days = 365     # closed cases are deleted from this store after this many days (wbtui retention run)

# [store]
# encryption = "sqlcipher"  # encrypt the local store (pip install "wbtui[encryption]"); passphrase from
#                           # WBTUI_DB_KEY, key_file (0600) or a prompt - never on the command line
# key_file = "~/.config/wbtui/store.key"

[security]
idle_lock_minutes = 15     # the screen locks after this long without input (1-60)

# [documents]
# font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"   # Unicode font for PDF documents

# [sync]                   # central server; the token is read from WBTUI_TOKEN or `wbtui sync login`
# url = "https://wbtui.example.org:8765"
# ca_file = "/etc/ssl/certs/behoerden-ca.pem"
"""
