"""What the demo office is made of (README "Demo data"): names, languages, target occupations, the
office's staff, how often a case ends where, how long each step takes, and the mix of reasons.

Pure data; the generator is :mod:`wbtui.services.demo`, one case's walk :mod:`wbtui.services.demo_case`.
"""

from __future__ import annotations

from wbtui.domain.process import Stage

FAMILY = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf "
    "Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann "
    "Yılmaz Kaya Demir Şahin Çelik Öztürk Aydın Arslan Al-Hassan Haddad Nasser Khalil Ibrahim Mahmoud "
    "Kowalski Nowak Wiśniewska Kovalenko Shevchenko Bondarenko Popescu Ionescu Petrović Jovanović Hoxha Berisha "
    "Nguyen Tran Osei Mensah Abdi Haile Rahimi Ahmadi Karimi Rossi Ferreira Silva"
).split()
GIVEN = (
    "Anna Maria Sabine Julia Laura Katrin Sandra Petra Monika Lea Sophie Emma Hannah Lena Nicole Claudia "
    "Thomas Michael Andreas Stefan Christian Markus Daniel Jan Tobias Lukas Felix Jonas Sven Dirk Frank "
    "Ayşe Fatma Zeynep Mehmet Mustafa Ahmet Emre Hüseyin Fatima Aisha Layla Omar Ahmad Yusuf Karim Ali "
    "Olena Iryna Oksana Dmytro Andriy Serhiy Agnieszka Katarzyna Piotr Tomasz Ion Elena Milan Dragana "
    "Linh Minh Kwame Ama Abdullahi Hawa Farid Maryam Reza Giulia Marco Ana João"
).split()
LANGUAGES = ("Deutsch",) * 10 + (
    "Türkisch",
    "Arabisch",
    "Ukrainisch",
    "Russisch",
    "Polnisch",
    "Rumänisch",
    "Dari",
    "Farsi",
    "Tigrinya",
    "Englisch",
)
STREETS = (
    "Bahnhofstraße",
    "Hauptstraße",
    "Gartenweg",
    "Schulstraße",
    "Lindenallee",
    "Am Markt",
    "Ringstraße",
    "Bergstraße",
)
TARGETS = (
    ("52122", "Berufskraftfahrer/in"),
    ("82102", "Pflegefachmann/-frau"),
    ("82101", "Pflegehelfer/in"),
    ("51312", "Fachkraft für Lagerlogistik"),
    ("51311", "Fachlagerist/in"),
    ("71402", "Kaufmann/-frau für Büromanagement"),
    ("43412", "Fachinformatiker/in"),
    ("26212", "Elektroniker/in"),
    ("25212", "Kfz-Mechatroniker/in"),
    ("63302", "Koch/Köchin"),
    ("83112", "Erzieher/in"),
    ("81302", "Medizinische/r Fachangestellte/r"),
)
JC_ROLES_USERS = ("ifk.wagner", "ifk.yilmaz", "ifk.schulz", "ifk.nowak", "ifk.becker", "fm.krause", "ifk.haddad")
AA_USERS = ("aa.berger", "aa.kaya", "aa.lorenz")

# main path and the branches a case may take off it
MAIN = [
    Stage.NEED_IDENTIFIED,
    Stage.OBSTACLES,
    Stage.READY,
    Stage.HANDED_OVER,
    Stage.COUNSELLING_SCHEDULED,
    Stage.COUNSELLED,
    Stage.VOUCHER_ISSUED,
    Stage.ENROLMENT_APPROVED,
    Stage.IN_TRAINING,
    Stage.COMPLETED,
    Stage.INTEGRATED,
]
# (target stage, weight) for the final stage of a generated case
TARGET_WEIGHTS = (
    (Stage.NEED_IDENTIFIED, 6),
    (Stage.OBSTACLES, 9),
    (Stage.READY, 4),
    (Stage.HANDED_OVER, 4),
    (Stage.COUNSELLING_SCHEDULED, 5),
    (Stage.COUNSELLED, 3),
    (Stage.APTITUDE_CHECK, 1),
    (Stage.DECLINED_BY_AGENCY, 3),
    (Stage.VOUCHER_ISSUED, 4),
    (Stage.VOUCHER_EXPIRED, 2),
    (Stage.ENROLMENT_APPROVED, 3),
    (Stage.IN_TRAINING, 16),
    (Stage.DROPPED_OUT, 4),
    (Stage.COMPLETED, 4),
    (Stage.INTEGRATED, 4),
    (Stage.NOT_YET_INTEGRATED, 4),
    (Stage.REHAB_TRACK, 2),
    (Stage.CLOSED, 22),
)
STEP_DAYS = {
    Stage.NEED_IDENTIFIED: (3, 20),
    Stage.OBSTACLES: (10, 60),
    Stage.READY: (1, 6),
    Stage.HANDED_OVER: (1, 8),
    Stage.COUNSELLING_SCHEDULED: (5, 25),
    Stage.COUNSELLED: (2, 14),
    Stage.APTITUDE_CHECK: (10, 40),
    Stage.VOUCHER_ISSUED: (10, 60),
    Stage.ENROLMENT_APPROVED: (7, 30),
    Stage.IN_TRAINING: (60, 600),
    Stage.COMPLETED: (10, 60),
    Stage.NOT_YET_INTEGRATED: (20, 90),
    Stage.INTEGRATED: (30, 180),
    Stage.DROPPED_OUT: (5, 30),
    Stage.DECLINED_BY_AGENCY: (5, 30),
    Stage.VOUCHER_EXPIRED: (5, 20),
    Stage.REHAB_TRACK: (10, 60),
}


# the reasons a case stops, weighted like an office's (README "Reason codes"); the decline reasons
# include an exhausted budget on purpose, so the steering figures show what it costs
DECLINE_WEIGHTS = (
    ("eignung_fehlt", 5), ("notwendigkeit_fehlt", 4), ("kein_zugelassenes_angebot", 2),
    ("arbeitsmarkt_ungeeignet", 3), ("vorrangige_leistung", 2), ("haushaltsmittel", 2), ("person_verzichtet", 2),
    ("sonstiges", 1),
)  # fmt: skip
DROPOUT_WEIGHTS = (
    ("abbruch_krankheit", 5), ("abbruch_arbeitsaufnahme", 4), ("abbruch_motivation", 3),
    ("abbruch_ueberforderung", 3), ("abbruch_betreuung", 3), ("abbruch_umzug", 1), ("ausschluss", 1),
    ("sonstiges", 1),
)  # fmt: skip
NON_INTEGRATION_WEIGHTS = (
    ("keine_passende_stelle", 6), ("pruefung_nicht_bestanden", 3), ("mobilitaet", 2),
    ("kinderbetreuung_pflege", 3), ("sprache", 2), ("weitere_qualifizierung", 2), ("persoenliche_gruende", 2),
    ("sonstiges", 1),
)  # fmt: skip
# closing before the end of the path (the rest close as integrated or on the Reha track)
EARLY_CLOSE_WEIGHTS = (("declined_by_person", 4), ("moved", 3), ("no_longer_in_need", 4), ("other", 1))
TRAINING_TYPES = ("umschulung", "umschulung", "teilqualifizierung", "anpassung", "grundkompetenzen", "externenpruefung")
# training types that lead to a recognised Ausbildungsberuf of at least two years (§ 87a SGB III)
QUALIFYING = frozenset({"umschulung", "externenpruefung"})
COURSE_TITLES = {
    "umschulung": "Umschulung {title}",
    "teilqualifizierung": "Teilqualifizierung {title}",
    "anpassung": "Anpassungsqualifizierung {title}",
    "grundkompetenzen": "Grundkompetenzen für {title}",
    "externenpruefung": "Vorbereitung Externenprüfung {title}",
}
REGIONS = ("Tagespendelbereich Musterstadt", "Regierungsbezirk Musterstadt", "bundesweit")
ROOMS = ("Agentur, Raum 2.14", "Agentur, Raum 1.07", "Agentur, Raum 3.02", "Videoberatung")
PROVIDERS = ("Bildungszentrum Rhein GmbH", "Akademie für Pflegeberufe e.V.", "Logistik-Schule Mitte")
