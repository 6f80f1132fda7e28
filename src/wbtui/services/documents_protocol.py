"""The Fallkonferenz protocol (README "Documents"): place and time, who took part with names and roles in
German (never logins or codes), the minutes per agenda item, the item "information of the person" only
when the person was not there, decisions with who does what by when, the distribution list and
signature lines."""

from __future__ import annotations

import json
import uuid

from wbtui.domain.errors import WbtuiError
from wbtui.services.documents_model import DASH, Document, Section, Table, de_date, letterhead, text

VARIANTS = {
    "fallbesprechung": "Fallbesprechung Jobcenter – Agentur für Arbeit (ohne die Person, § 69 SGB X)",
    "ohne_person": "Fallkonferenz ohne die Person (mit Einwilligung)",
    "mit_person": "Fallkonferenz mit der Person (mit Einwilligung)",
}


def _role(code: str | None) -> str:
    """A role in German: a known role key by its label, anything typed as written."""
    from wbtui.i18n import catalog

    labels = catalog("de")
    for prefix in ("role.", "ux.participant_role."):
        found = labels.get(prefix + str(code))
        if isinstance(found, str):
            return found
    return text(code)


def conference_document(services, case_id: uuid.UUID) -> Document:
    from wbtui.i18n import catalog

    services.check_read(case_id)
    services.audit("print", "conference", case_id=case_id.hex, groups=["fallkonferenz"])
    con = services.store.raw()
    try:
        row = con.execute(
            "SELECT id, held_on, variant, with_person, organiser, agenda, decisions, dissent, next_review, place,"
            " start_time, minutes, distribution, responsible FROM conference"
            " WHERE case_id = ? ORDER BY held_on DESC, created_at DESC LIMIT 1",
            (case_id.hex,),
        ).fetchone()
        if row is None:
            raise WbtuiError("err.no_conference")
        participants = con.execute(
            "SELECT name, role, organisation FROM conference_participant WHERE conference_id = ?", (row[0],)
        ).fetchall()
        tasks = con.execute(
            "SELECT title, owner, due_on FROM task WHERE conference_id = ? ORDER BY rowid", (row[0],)
        ).fetchall()
        person = con.execute(
            "SELECT p.kundennummer, p.family_name, p.given_names FROM fbw_case c JOIN person p ON p.id = c.person_id"
            " WHERE c.id = ?",
            (case_id.hex,),
        ).fetchone()
        users = dict(con.execute("SELECT login, display_name FROM app_user").fetchall())
        roles = dict(con.execute("SELECT login, role FROM app_user").fetchall())
    finally:
        con.close()
    labels = catalog("de")
    with_person = bool(row[3])

    def who(login: str | None) -> str:
        """A login as the person's name and role ("Ida Ifk (Integrationsfachkraft)"), never the login."""
        if not login:
            return DASH
        if login == "@team":
            return "Team-Eingang"
        name = users.get(login)
        return (
            f"{text(name)} ({_role(roles.get(login))})"
            if name
            else f"Sachbearbeitung {text(services.config.office_name)}"
        )

    agenda = [item for item in json.loads(row[5] or "[]") if item != "inform_person" or not with_person]
    minutes = json.loads(row[11] or "{}")
    items = Table(("Punkt", "Ergebnis"), [], (2, 3), label_column=True)
    for number, item in enumerate(agenda, 1):
        heading = labels.get("tui.agenda." + item)
        items.rows.append((f"{number}. {heading if isinstance(heading, str) else text(item)}", text(minutes.get(item))))
    # who answers for each decision as recorded at the conference (migration 0016): a later reassignment
    # of the follow-up does not change a signed protocol; older conferences fall back to the follow-up's owner
    recorded = json.loads(row[13] or "[]")
    codes = json.loads(row[6] or "[]")
    if len(recorded) == len(codes) == len(tasks):
        rows = [(code, text(name), due) for code, name, (_t, _o, due) in zip(codes, recorded, tasks, strict=True)]
    else:
        rows = [(title, who(owner), due) for title, owner, due in tasks]
    rows.sort(key=lambda r: str(r[2]))  # by when, as the follow-ups fall due
    decisions = Table(
        ("Entscheidung", "verantwortlich", "fällig"),
        [(text(labels.get("tui.decision." + code, code)), name, de_date(due)) for code, name, due in rows],
        (3, 2, 1),
    )
    distribution = json.loads(row[12] or "[]") or sorted(
        {text(p[2]) for p in participants if p[2]} | {"Akte (Jobcenter)"}
    )
    signatures = [f"Protokollführung: {who(row[4])}"]
    if with_person:
        signatures.append(f"Zur Kenntnis: {text(person[2])} {text(person[1])}")
    time = f"{text(row[10])} Uhr" if row[10] else DASH
    return Document(
        kind="Protokoll Fallkonferenz",
        subject=text(services.config.office_name),
        letterhead=letterhead(services.config),
        meta=[
            ("Datum", de_date(row[1])),
            ("Uhrzeit", time),
            ("Ort", text(row[9])),
            ("Art", VARIANTS.get(row[2], text(row[2]))),
            ("Leitung", who(row[4])),
            ("Person", f"{text(person[2])} {text(person[1])} (Kundennummer {text(person[0])})"),
        ],
        sections=[
            Section(
                "Teilnehmende",
                [
                    Table(
                        ("Name", "Rolle", "Organisation"),
                        [(text(n), _role(r), text(o)) for n, r, o in participants],
                        (2, 1.6, 2),
                    )
                ],  # fmt: skip
            ),
            Section("Tagesordnung und Ergebnisse", [items]),
            Section("Entscheidungen und Wiedervorlagen", [decisions]),
            Section("Abweichende Meinungen", [text(row[7])]),
            Section("Nächster Prüftermin", [de_date(row[8])]),
            Section("Verteiler", [[text(d) for d in distribution]]),
        ],
        signatures=signatures,
    )
