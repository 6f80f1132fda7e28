"""Appointments as an iCalendar file (RFC 5545) for the office calendar (``wbtui appointment export --ics``).

* UID: the appointment's id at a fixed domain, so a re-export updates the same calendar entry;
  SEQUENCE counts up with each change (from ``updated_at``) and a moved or cancelled appointment is
  ``STATUS:CANCELLED``, so calendars that imported it before drop it.
* Times in UTC (``…Z``, RFC 5545 3.3.5 form 2): stored in UTC, shown by every calendar in its own zone;
  DTSTAMP is the export time.
* Text values escaped (backslash, semicolon, comma, newline: 3.3.11) and cleaned of control and bidi
  characters; lines folded at 75 octets without splitting a UTF-8 character (3.1); CRLF line ends.
* No Art. 9 content: the summary of an appointment with the medical or psychological service
  (``domain.appointments.HEALTH_KINDS``) names only the Agentur, never the service; no free text of a
  status reason travels.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wbtui.domain.appointments import HEALTH_KINDS
from wbtui.domain.text import clean
from wbtui.i18n import t

UID_DOMAIN = "wbtui.invalid"
DEFAULT_MINUTES = 60
PRODID = "-//wbtui//Termine//DE"


def escape(text: str) -> str:
    text = clean(text or "")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> list[str]:
    """One content line as physical lines of at most 75 octets (continuations start with a space)."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation line carries the leading space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # the store keeps UTC without an offset
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def summary(row: dict) -> str:
    name = f"{row.get('family_name') or ''}, {row.get('given_names') or ''}".strip(", ")
    if row["kind"] in HEALTH_KINDS:
        return t("ics.summary_private", name=name)
    return t("ics.summary", kind=t(f"choice.appt_kind.{row['kind']}"), name=name)


def calendar(rows: list[dict], *, now: datetime | None = None) -> str:
    """The VCALENDAR text of ``rows`` (as :func:`wbtui.data.queries.list_appointments` returns them)."""
    now = now or datetime.now(UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape(t('ics.calendar_name'))}"]  # fmt: skip
    for row in rows:
        start = _utc(row["starts_at"])
        end = start + timedelta(minutes=row.get("duration_minutes") or DEFAULT_MINUTES)
        changed = _utc(row.get("updated_at") or row.get("created_at") or row["starts_at"])
        created = _utc(row.get("created_at") or row["starts_at"])
        status = "CONFIRMED" if row["status"] in ("geplant", "wahrgenommen") else "CANCELLED"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{row['id']}@{UID_DOMAIN}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(end)}",
            f"CREATED:{_stamp(created)}",
            f"LAST-MODIFIED:{_stamp(changed)}",
            f"SEQUENCE:{max(0, int((changed - created).total_seconds()))}",  # grows with every change
            f"SUMMARY:{escape(summary(row))}",
            f"STATUS:{status}",
        ]
        if row.get("location"):
            lines.append(f"LOCATION:{escape(row['location'])}")
        lines.append(
            "DESCRIPTION:" + escape(t("ics.description", ref=row["case_id"][:8], with_whom=row.get("with_whom") or "–"))
        )
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in fold(line))
