"""Coded values of the process (README "The process in short"): the one list of each vocabulary.

Labels for every code live in the translation catalogs (``value.*``, ``tui.decision.*`` …);
the field definitions (:mod:`wbtui.domain.fields`) and the services refuse anything else.
"""

from __future__ import annotations

CONSENT_PURPOSES = ("fbw_uebergabe", "fallkonferenz", "fbw_gesamt")
CONSENT_RECIPIENTS = ("agentur", "bildungstraeger", "kommunaler_dienst", "jugendamt", "reha_traeger")
DATA_GROUPS = ("stammdaten", "qualifikation", "hemmnisse", "gesundheit")
CONFERENCE_VARIANTS = ("fallbesprechung", "ohne_person", "mit_person")
DECISIONS = (
    "continue_as_planned",
    "adjust_training",
    "pause_and_stabilise",
    "new_aptitude_check",
    "switch_to_reha_track",
    "alternative_instrument",
    "close_with_reason",
)
AGENDA_TEMPLATE = ("purpose_consent", "status", "obstacles", "options", "decisions", "inform_person", "next_review")
OBSTACLE_STATUSES = ("offen", "in_bearbeitung", "geloest", "nicht_loesbar", "nicht_relevant")
CLOSE_REASONS = ("integrated", "declined_by_person", "moved", "no_longer_in_need", "rehab", "other")
TRAINING_TYPES = (
    "umschulung",
    "teilqualifizierung",
    "externenpruefung",
    "anpassung",
    "grundkompetenzen",
    "hauptschulabschluss",
    "other",
)
SCHEDULES = ("vollzeit", "teilzeit")
NECESSITY_REASONS = ("integration", "avert_unemployment", "missing_qualification")
COUNSELLING_OUTCOMES = ("foerderfaehig", "nicht_foerderfaehig", "eignung_pruefen", "alternative_empfohlen")
DROPOUT_REASONS = (
    "abbruch_krankheit",
    "abbruch_arbeitsaufnahme",
    "abbruch_motivation",
    "abbruch_ueberforderung",
    "abbruch_betreuung",
    "abbruch_umzug",
    "ausschluss",
    "sonstiges",
)
# Why a case stops (README "Reason codes"): chosen from pick lists, counted in the steering figures.
# Decline (S6r, the Agentur): why the counselling found no funding; "budget" is listed on purpose — a
# sensible training refused for lack of funds must show up in the figures, not disappear as "other".
DECLINE_REASONS = (
    "eignung_fehlt",
    "notwendigkeit_fehlt",
    "kein_zugelassenes_angebot",
    "arbeitsmarkt_ungeeignet",
    "vorrangige_leistung",
    "haushaltsmittel",
    "person_verzichtet",
    "sonstiges",
)
# Not yet integrated after the course (S12, the Jobcenter's Absolventenmanagement).
NON_INTEGRATION_REASONS = (
    "pruefung_nicht_bestanden",
    "keine_passende_stelle",
    "mobilitaet",
    "kinderbetreuung_pflege",
    "sprache",
    "weitere_qualifizierung",
    "persoenliche_gruende",
    "sonstiges",
)
# how far a foreign vocational qualification is recognised (Anerkennung); n/a: a German one
QUALIFICATION_RECOGNITION = ("n/a", "pending", "full", "partial", "none")
EXAM_RESULTS = ("ausstehend", "bestanden", "nicht_bestanden", "entfaellt")
LEGAL_BASES = ("consent", "sgb_x_69")
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
# Appointments (Termine, README "Appointments"): kinds and statuses of an appointment object
APPOINTMENT_KINDS = ("aa_beratung", "aed_bps", "absolventengespraech", "fallkonferenz")
APPOINTMENT_STATUSES = ("geplant", "wahrgenommen", "nicht_erschienen", "verschoben", "abgesagt")
