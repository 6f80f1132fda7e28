"""The Übergabebogen a Jobcenter files and sends (README "Documents"): dated by its sending, with the
contact's phone and the office's function mailbox, the target occupation's official title, the consent it
rests on (date, scope, reference), qualifications and work history, and a visible note when health data
(Art. 9 DSGVO) were left out.

The content is what the handover package carries — already cut to the consent or the statute
(:mod:`wbtui.domain.projection`); qualifications and work history are shown only where that cut covers
the group ``qualifikation``.
"""

from __future__ import annotations

import uuid

from wbtui.domain.assignment import TECHNICAL_LOGINS
from wbtui.services.documents_model import (
    DASH,
    Block,
    Document,
    Section,
    Table,
    de_date,
    de_datetime,
    letterhead,
    text,
    yes_no,
)

PERSON_ROWS = (
    ("kundennummer", "Kundennummer"),
    ("bg_nummer", "BG-Nummer"),
    ("family_name", "Nachname"),
    ("given_names", "Vorname(n)"),
    ("birth_date", "Geburtsdatum"),
    ("address", "Anschrift"),
    ("phone", "Telefon"),
    ("email", "E-Mail"),
    ("preferred_language", "Sprache"),
    ("needs_interpreter", "Dolmetscher nötig"),
    ("german_level_cefr", "Deutschniveau (GER)"),
    ("school_certificate", "Schulabschluss"),
)
CASE_ROWS = (
    ("target_kldb", "Zielberuf (KldB 2010)"),
    ("target_title", "Zielberuf (Angabe des Jobcenters)"),
    ("training_type", "Art der Weiterbildung"),
    ("schedule", "Vollzeit/Teilzeit"),
    ("earliest_start", "Frühester Beginn"),
    ("max_commute_km", "Max. Pendelweg (km)"),
    ("necessity_reason", "Notwendigkeit"),
    ("care_arranged", "Betreuung geregelt"),
    ("availability", "Terminwünsche"),
    ("legacy_jc_funded", "Altfall (JC-finanziert)"),
    ("health_limits_summary", "Gesundheitliche Einschränkungen (funktional)"),
)
_DATE_KEYS = {"birth_date", "earliest_start"}
GROUPS_DE = {"stammdaten": "Stammdaten", "qualifikation": "Qualifikation", "hemmnisse": "Hemmnisse",
             "gesundheit": "Gesundheit (Art. 9 DSGVO)"}  # fmt: skip
PURPOSES_DE = {"fbw_uebergabe": "Übergabe FbW", "fallkonferenz": "Fallkonferenz", "fbw_gesamt": "FbW insgesamt"}


def _shown(key: str, value) -> str:
    """A value as printed: dates as TT.MM.JJJJ, coded values by their full German label ("mittlerer
    Schulabschluss", never the code), yes/no in words."""
    from wbtui.i18n import catalog

    if key in _DATE_KEYS:
        return text(de_date(value))
    label = catalog("de").get(f"choice.{key}.{value}") if isinstance(value, str) else None
    return text(label if isinstance(label, str) else yes_no(value))


def handover_document(services, case_id: uuid.UUID) -> Document:
    from wbtui.domain import kldb
    from wbtui.services.exchange import build

    doc = build(services, case_id, action="print")
    extra = _on_record(services, case_id, doc)
    office = doc["from_office"]
    config = services.config
    if doc["legal_basis"] == "consent":
        basis = "Einwilligung (§ 67b SGB X)"
    else:
        basis = "§ 50 SGB II, § 69 Abs. 1 Nr. 1 SGB X (ohne Einwilligung)"
    meta = [
        ("An", text(doc.get("to_office"))),
        ("Übergeben am", extra["sent"]),  # the day it was sent, not the day it was printed
        ("Ansprechperson", extra["sender"] or text(office.get("contact"))),
        ("Telefon", text(config.office_phone)),
        ("Funktionspostfach", text(config.office_mailbox)),
        ("Übergabe-Kennung", doc["handover_id"][:8]),
        ("Rechtsgrundlage", basis),
        ("Kooperationsplan (§ 15 SGB II)", extra["kooperationsplan"]),
    ]
    person = Table(("Angabe", "Wert"), [], (1, 2), label_column=True)
    for key, label in PERSON_ROWS:
        person.rows.append((label, _shown(key, doc["person"].get(key))))
    need = Table(("Angabe", "Wert"), [], (1, 2), label_column=True)
    for key, label in CASE_ROWS:
        if key in doc["case"]:
            value = doc["case"][key]
            need.rows.append((label, _shown(key, value)))
            if key == "target_kldb":
                occupation = kldb.lookup(str(value or ""))
                need.rows.append(("Zielberuf (Bezeichnung KldB 2010)", text(occupation.title if occupation else None)))
    obstacles: list[Block]
    if doc["obstacles"]:
        obstacles = [
            Table(
                ("Code", "Hemmnis", "Stand"),
                [
                    (text(o["code"]), text(services.catalog.label(o["code"], "de")), _status(o["status"]))
                    for o in doc["obstacles"]
                ],
                (1, 4, 1.4),
            )
        ]
    else:
        obstacles = ["Keine."]
    if extra["art9_withheld"]:
        obstacles.append(
            f"Hinweis: {extra['art9_withheld']} Angabe(n) zur Gesundheit (Art. 9 DSGVO) wurden nicht übermittelt –"
            " es liegt keine Einwilligung vor, die Gesundheitsdaten für die Agentur umfasst (§ 76 SGB X)."
        )
    return Document(
        kind="Übergabebogen FbW",
        subject=text(office["name"]),
        letterhead=letterhead(config, office["name"]),
        meta=meta,
        sections=[
            Section("Person", [person]),
            Section("Weiterbildungsbedarf", [need]),
            Section("Qualifikationen und Berufserfahrung", extra["history"]),
            Section("Hemmnisse (soweit übermittelt)", obstacles),
            Section("Einwilligung", [extra["consent"]]),
        ],
        signatures=[
            f"Übergeben: {extra['sender'] or text(office.get('contact'))}, {text(office['name'])}",
            f"Quittiert: {text(doc.get('to_office'))}",
        ],
    )


def _status(status: str) -> str:
    from wbtui.i18n import catalog

    found = catalog("de").get(f"obst.{status}")  # a flat entry (only plural entries are tables)
    return found if isinstance(found, str) else text(status)


def _on_record(services, case_id: uuid.UUID, doc: dict) -> dict:
    """What the package does not carry: the sending date, the consent used, the Art. 9 items held back,
    qualifications and work history (when the consent or the statute covers them)."""
    from sqlmodel import col, select

    from wbtui.data.models import Consent, FbwCase, Handover, Obstacle, VocationalQualification, WorkEpisode
    from wbtui.domain.projection import covered_groups

    with services.store.reader() as s:
        case = s.get(FbwCase, case_id)
        handover = s.exec(
            select(Handover).where(Handover.case_id == case_id).order_by(col(Handover.sent_at).desc())
        ).first()
        consents = list(s.exec(select(Consent).where(Consent.person_id == case.person_id)))
        used = s.get(Consent, handover.consent_id) if handover and handover.consent_id else None
        if used is None and handover is not None and handover.legal_basis == "consent":
            used = _consent_used(consents, handover.sent_at.date())
        art9 = s.exec(select(Obstacle).where(Obstacle.case_id == case_id, col(Obstacle.art9).is_(True))).all()
        kept = (
            col(VocationalQualification.removed_on).is_(None),
            col(WorkEpisode.removed_on).is_(None),
        )  # removed: left out
        quals = s.exec(
            select(VocationalQualification).where(VocationalQualification.person_id == case.person_id, kept[0])
        )
        work = s.exec(select(WorkEpisode).where(WorkEpisode.person_id == case.person_id, kept[1]))
        quals, work = list(quals), list(work)
        health_summary = bool(case.health_limits_summary)
        plan_on = case.kooperationsplan_on
        sent_at = handover.sent_at if handover else None
        sender = _sender(s, services, handover)
        art9_codes = [o.code for o in art9]
        consent = _consent_block(used)
        history = _history(quals, work)
        sent_on = sent_at.date() if sent_at else None
        groups = covered_groups(doc["legal_basis"], consents, sent_on) if sent_on else frozenset()
    shown_codes = {o["code"] for o in doc["obstacles"]}
    withheld = sum(1 for code in art9_codes if code not in shown_codes)
    withheld += int(health_summary and "health_limits_summary" not in doc["case"])
    if "qualifikation" not in groups:
        history = ["Nicht übermittelt (keine Einwilligung für die Datengruppe Qualifikation)."]
    return {
        "sent": de_datetime(sent_at) if sent_at else DASH,
        "sender": sender,
        "art9_withheld": withheld,
        "history": history,
        "consent": consent,
        "kooperationsplan": f"vom {de_date(plan_on)}" if plan_on else "nicht erfasst",
    }


def _sender(s, services, handover) -> str | None:
    """Who sent the handover (its contact person), not who prints the form: the sender's name on record,
    else their login. None on the Agentur's side, where the package names the Jobcenter's contact."""
    from sqlmodel import select

    from wbtui.data.models import AppUser
    from wbtui.domain.process import JC
    from wbtui.services.logins import shown_login

    if handover is None or not handover.from_user or services.actor.side != JC:
        return None
    user = s.exec(select(AppUser).where(AppUser.login == handover.from_user)).first()
    if user is not None and handover.from_user not in TECHNICAL_LOGINS:
        return text(user.display_name)
    return shown_login(handover.from_user, "de")


def _consent_used(consents: list, on) -> object | None:
    """The newest consent that covered the handover to the Agentur on the day it was sent."""
    from wbtui.domain.consent import consent_covers
    from wbtui.domain.projection import HANDOVER_PURPOSES

    covering = [c for c in consents if consent_covers(c, on, "agentur", HANDOVER_PURPOSES)]
    return max(covering, key=lambda c: c.given_on, default=None)


RECOGNITION_DE = {"full": "voll anerkannt", "partial": "teilweise anerkannt", "none": "nicht anerkannt",
                  "pending": "in Prüfung", "n/a": "nicht nötig"}  # fmt: skip


def country_de(value: str | None) -> str:
    """The German name of a country stored as its ISO code (domain/countries.py); a typed name as typed."""
    from wbtui.domain.countries import COUNTRIES
    from wbtui.i18n import translate

    return translate("de", "country." + value, {}) if value in COUNTRIES else text(value)


def _history(quals: list, work: list) -> list[Block]:
    """Qualifications and work history as tables (read while the rows are bound to their session)."""
    history: list[Block] = []
    if not quals and not work:
        history = ["Keine erfasst."]
    else:
        if quals:
            history.append(Table(("Abschluss", "KldB", "Land", "Anerkennung", "Jahr"),
                                 [(text(q.title), text(q.kldb_code), country_de(q.country), RECOGNITION_DE.get(q.recognition_status, text(q.recognition_status)),
                                   text(q.year)) for q in quals], (3, 1, 1, 1.3, 0.8)))  # fmt: skip
        if work:
            history.append(Table(("Tätigkeit", "KldB", "von", "bis"),
                                 [(text(w.title), text(w.kldb_code), de_date(w.date_from), de_date(w.date_to))
                                  for w in work], (3, 1, 1, 1)))  # fmt: skip
    return history


def _consent_block(used) -> Block:
    """The consent the handover rests on: date, purpose, scope, validity, form, reference."""
    consent: Block
    if used is None:
        consent = (
            "Keine Einwilligung zugrunde gelegt: Übermittlung auf gesetzlicher Grundlage (§ 50 SGB II, § 69 SGB X)."
        )
    else:
        consent = Table(
            ("Angabe", "Wert"),
            [
                ("Erteilt am", de_date(used.given_on.isoformat())),
                ("Zweck", PURPOSES_DE.get(used.purpose, text(used.purpose))),
                ("Umfang (Datengruppen)", ", ".join(GROUPS_DE[g] for g in GROUPS_DE if g in used.data_groups) or DASH),
                (
                    "Gültig bis",
                    de_date(used.valid_until.isoformat()) if used.valid_until else "unbefristet (widerruflich)",
                ),
                ("Form", text(used.form)),
                ("Aktenzeichen/Referenz", text(used.document_ref)),
            ],
            (1, 2),
            label_column=True,
        )
    return consent
