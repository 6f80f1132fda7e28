"""Printable documents in German: Übergabebogen (handover sheet) and Fallkonferenz protocol, as Markdown.

Both contain only what the handover package or the protocol holds — the handover package is
already restricted to the data groups the consent (or § 69 SGB X) allows. Text from the store
is escaped for Markdown so a name can never become a link or a heading.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from wbtui.data.errors import WbtuiError
from wbtui.safetext import clean

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md(value) -> str:
    """Plain text for Markdown: control characters removed, every markup character escaped."""
    if value is None or value == "":
        return "–"
    return _MD_SPECIAL.sub(r"\\\1", clean(str(value)))


def _de_date(value) -> str:
    text = str(value or "")
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return f"{text[8:10]}.{text[5:7]}.{text[0:4]}"
    return text or "–"


PERSON_ROWS = (("kundennummer", "Kundennummer"), ("bg_nummer", "BG-Nummer"), ("family_name", "Nachname"), ("given_names", "Vorname(n)"),
               ("birth_date", "Geburtsdatum"), ("address", "Anschrift"), ("phone", "Telefon"), ("email", "E-Mail"),
               ("preferred_language", "Sprache"), ("needs_interpreter", "Dolmetscher nötig"), ("german_level_cefr", "Deutschniveau (GER)"),
               ("school_certificate", "Schulabschluss"))
CASE_ROWS = (("target_kldb", "Zielberuf (KldB 2010)"), ("target_title", "Zielberuf"), ("training_type", "Art der Weiterbildung"),
             ("schedule", "Vollzeit/Teilzeit"), ("earliest_start", "Frühester Beginn"), ("max_commute_km", "Max. Pendelweg (km)"),
             ("necessity_reason", "Notwendigkeit"), ("care_arranged", "Betreuung geregelt"), ("availability", "Terminwünsche"),
             ("legacy_jc_funded", "Altfall (JC-finanziert)"), ("health_limits_summary", "Gesundheitliche Einschränkungen (funktional)"))


def handover_sheet(services, case_id: uuid.UUID) -> str:
    from wbtui.data.exchange import build

    doc = build(services, case_id)
    catalog = services.catalog
    office = doc["from_office"]
    lines = [
        f"# Übergabebogen FbW – {md(office['name'])}",
        "",
        f"An: {md(doc.get('to_office'))}  ",
        f"Trägernummer: {md(office.get('number'))} · Ansprechperson: {md(office.get('contact'))}  ",
        f"Übergabe-Kennung: {doc['handover_id'][:8]} · erstellt am {_de_date(date.today().isoformat())}  ",
        f"Rechtsgrundlage: {'Einwilligung (§ 67b SGB X)' if doc['legal_basis'] == 'consent' else '§ 69 Abs. 1 Nr. 1 SGB X'}",
        "",
        "## Person",
        "",
        "| Angabe | Wert |",
        "|---|---|",
    ]
    for key, label in PERSON_ROWS:
        value = doc["person"].get(key)
        lines.append(f"| {label} | {md(_de_date(value) if key == 'birth_date' else _yes_no(value))} |")
    lines += ["", "## Weiterbildungsbedarf", "", "| Angabe | Wert |", "|---|---|"]
    for key, label in CASE_ROWS:
        if key in doc["case"]:
            value = doc["case"][key]
            lines.append(f"| {label} | {md(_de_date(value) if key == 'earliest_start' else _yes_no(value))} |")
    lines += ["", "## Hemmnisse (nur mit Einwilligung übermittelte Angaben)", ""]
    if doc["obstacles"]:
        lines += ["| Code | Hemmnis | Stand |", "|---|---|---|"]
        for item in doc["obstacles"]:
            lines.append(f"| {md(item['code'])} | {md(catalog.label(item['code'], 'de'))} | {md(item['status'])} |")
    else:
        lines.append("Keine.")
    lines += ["", "---", "", "Quittung der Agentur für Arbeit: Datum ______________  Name ____________________________", ""]
    return "\n".join(lines)


def conference_protocol(services, case_id: uuid.UUID) -> str:
    con = services.store.raw()
    try:
        row = con.execute("SELECT id, held_on, variant, with_person, organiser, agenda, decisions, dissent, next_review FROM conference"
                          " WHERE case_id = ? ORDER BY held_on DESC, created_at DESC LIMIT 1", (case_id.hex,)).fetchone()
        if row is None:
            raise WbtuiError("err.no_conference")
        participants = con.execute("SELECT name, role, organisation FROM conference_participant WHERE conference_id = ?", (row[0],)).fetchall()
        tasks = con.execute("SELECT title, owner, due_on FROM task WHERE conference_id = ? ORDER BY due_on", (row[0],)).fetchall()
        kdnr = con.execute("SELECT p.kundennummer FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE c.id = ?", (case_id.hex,)).fetchone()[0]
    finally:
        con.close()
    import json

    from wbtui.i18n import t

    variant = {"fallbesprechung": "Fallbesprechung JC–AA (ohne Person)", "ohne_person": "Fallkonferenz ohne Person (mit Einwilligung)",
               "mit_person": "Fallkonferenz mit der Person (mit Einwilligung)"}[row[2]]
    lines = [f"# Protokoll Fallkonferenz – {md(services.config.office_name)}", "",
             f"Datum: {_de_date(row[1])} · Art: {variant} · Organisation: {md(row[4])}  ", f"Kundennummer: {md(kdnr)}", "",
             "## Teilnehmende", "", "| Name | Rolle | Organisation |", "|---|---|---|"]
    lines += [f"| {md(n)} | {md(r)} | {md(o)} |" for n, r, o in participants]
    lines += ["", "## Tagesordnung", ""]
    lines += [f"{i}. {md(t('tui.agenda.' + item))}" for i, item in enumerate(json.loads(row[5]), 1)]
    lines += ["", "## Entscheidungen und Wiedervorlagen", "", "| Entscheidung | verantwortlich | fällig |", "|---|---|---|"]
    lines += [f"| {md(t('tui.decision.' + title))} | {md(owner)} | {_de_date(due)} |" for title, owner, due in tasks]
    lines += ["", "## Abweichende Meinungen", "", md(row[7]), "", f"Nächster Prüftermin: {_de_date(row[8])}", ""]
    return "\n".join(lines)


def _yes_no(value):
    if value is True:
        return "ja"
    if value is False:
        return "nein"
    return value
