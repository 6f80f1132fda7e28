"""Obstacle catalog (Hemmnisse / Handlungsbedarfe) (4PM key groups; README "The process in short").

``sensitivity`` is ``art9`` (special category, Art. 9 DSGVO), ``maybe`` (may
reveal health data; treated like Art. 9), ``confidential`` or ``normal``.
Offices add local codes through the configuration file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

GROUPS = ("qualifikation", "leistungsfaehigkeit", "motivation", "rahmenbedingungen", "uebergreifend", "lokal")
STATUSES = ("offen", "in_bearbeitung", "geloest", "nicht_loesbar", "nicht_relevant")


@dataclass(frozen=True)
class ObstacleType:
    code: str
    label_de: str
    label_en: str
    group: str
    service: str
    sensitivity: str = "normal"
    local: bool = False

    @property
    def art9(self) -> bool:
        return self.sensitivity in ("art9", "maybe")


BUILTIN: tuple[ObstacleType, ...] = (
    ObstacleType(
        "Q-SCH",
        "Schulische Qualifikation fehlt",
        "No school leaving certificate",
        "qualifikation",
        "FbW: Hauptschulabschluss nachholen; Volkshochschule",
    ),
    ObstacleType(
        "Q-BER",
        "Berufliche Qualifikation fehlt / verwertbar?",
        "No (usable) vocational qualification",
        "qualifikation",
        "FbW über die Agentur (Umschulung, Teilqualifizierung, Externenprüfung)",
    ),
    ObstacleType(
        "Q-ERF",
        "Berufserfahrung fehlt / veraltet",
        "Little or outdated work experience",
        "qualifikation",
        "Praktika, MAbE (§ 45 SGB III), FbW",
    ),
    ObstacleType(
        "Q-SPR",
        "Deutschkenntnisse unter Zielniveau (GER)",
        "German below target CEFR level",
        "qualifikation",
        "Integrationskurs (BAMF), Berufssprachkurs",
    ),
    ObstacleType(
        "Q-ANK",
        "Ausländischer Abschluss nicht anerkannt",
        "Foreign qualification not recognised",
        "qualifikation",
        "Anerkennungsberatung (IQ-Netzwerk), Anpassungsqualifizierung",
    ),
    ObstacleType(
        "Q-GRK",
        "Grundkompetenzen (Lesen, Schreiben, Rechnen, IT)",
        "Basic skills gaps",
        "qualifikation",
        "FbW Grundkompetenzen (§ 81 Abs. 3a SGB III)",
    ),
    ObstacleType("Q-DIG", "Digitale Kompetenzen", "Digital skills", "qualifikation", "Grundkompetenzen, Kurzkurse"),
    ObstacleType(
        "L-GES",
        "Gesundheitliche Einschränkungen (körperlich)",
        "Physical health limits",
        "leistungsfaehigkeit",
        "Ärztlicher Dienst der BA, medizinische Reha",
        "art9",
    ),
    ObstacleType(
        "L-PSY",
        "Psychische Belastung / Erkrankung",
        "Mental health issues",
        "leistungsfaehigkeit",
        "§ 16a Nr. 3 psychosoziale Betreuung, BPS",
        "art9",
    ),
    ObstacleType("L-SUC", "Suchtproblematik", "Addiction", "leistungsfaehigkeit", "§ 16a Nr. 4 Suchtberatung", "art9"),
    ObstacleType(
        "L-BEH",
        "Behinderung / Reha-Bedarf",
        "Disability / possible rehabilitation need",
        "leistungsfaehigkeit",
        "Reha-Verfahren bei der Agentur oder anderem Reha-Träger",
        "art9",
    ),
    ObstacleType(
        "L-BEL",
        "Belastbarkeit / Lernfähigkeit unklar",
        "Resilience / learning capacity unclear",
        "leistungsfaehigkeit",
        "BPS-Eignungstest; Teilzeit- oder kürzere Maßnahme",
        "maybe",
    ),
    ObstacleType(
        "M-MOT",
        "Motivation / Eigenbemühungen",
        "Motivation, own efforts",
        "motivation",
        "Coaching, ganzheitliche Betreuung (§ 16k SGB II)",
    ),
    ObstacleType(
        "M-ERW",
        "Unrealistische berufliche Vorstellungen",
        "Unrealistic career goals",
        "motivation",
        "Berufsberatung, Arbeitserprobung",
    ),
    ObstacleType(
        "R-KIN",
        "Kinderbetreuung nicht gesichert",
        "Childcare not arranged",
        "rahmenbedingungen",
        "§ 16a Nr. 1; Kita / Jugendamt; Kinderbetreuungskosten 160 €/Monat",
    ),
    ObstacleType(
        "R-PFL",
        "Pflege von Angehörigen",
        "Caring for relatives",
        "rahmenbedingungen",
        "§ 16a Nr. 1 häusliche Pflege; Pflegestützpunkt",
        "maybe",
    ),
    ObstacleType(
        "R-ALL",
        "Alleinerziehend (organisatorisch)",
        "Single parent (scheduling)",
        "rahmenbedingungen",
        "Teilzeit-FbW, Kinderbetreuung",
    ),
    ObstacleType(
        "R-MOB",
        "Mobilität (ÖPNV, Führerschein, Entfernung)",
        "Mobility (transport, licence, distance)",
        "rahmenbedingungen",
        "Fahrkosten (§§ 83, 85 SGB III); Vermittlungsbudget",
    ),
    ObstacleType(
        "R-SCH",
        "Schulden / Pfändung",
        "Debts / wage garnishment",
        "rahmenbedingungen",
        "§ 16a Nr. 2 Schuldnerberatung",
        "confidential",
    ),
    ObstacleType(
        "R-WOH",
        "Wohnsituation (drohende Wohnungslosigkeit)",
        "Housing (risk of homelessness)",
        "rahmenbedingungen",
        "Wohnungsnotfallhilfe, KdU, § 67 SGB XII",
    ),
    ObstacleType(
        "R-FIN",
        "Finanzielle Situation (Lebensunterhalt während Umschulung)",
        "Income gap during long training",
        "rahmenbedingungen",
        "Weiterbildungsgeld 150 €, Prämien; Bürgergeld läuft weiter",
    ),
    ObstacleType(
        "R-REC",
        "Aufenthalts- / Arbeitserlaubnisfragen",
        "Residence / work permit issues",
        "rahmenbedingungen",
        "Ausländerbehörde, Migrationsberatung",
    ),
    ObstacleType(
        "R-FAM",
        "Familiäre Konflikte / häusliche Gewalt",
        "Family conflicts / domestic violence",
        "rahmenbedingungen",
        "§ 16a Nr. 3; Beratungsstellen, Frauenhäuser",
        "maybe",
    ),
)


class Catalog:
    """Built-in codes plus the office's local codes."""

    def __init__(self, local: tuple[ObstacleType, ...] = ()) -> None:
        self._items: dict[str, ObstacleType] = {o.code: o for o in BUILTIN}
        for item in local:
            self._items[item.code] = item

    def get(self, code: str) -> ObstacleType | None:
        return self._items.get(code.strip().upper())

    def __iter__(self) -> Iterator[ObstacleType]:
        return iter(self._items.values())

    def codes(self) -> list[str]:
        return list(self._items)

    def by_group(self) -> dict[str, list[ObstacleType]]:
        out: dict[str, list[ObstacleType]] = {g: [] for g in GROUPS}
        for item in self._items.values():
            out.setdefault(item.group, []).append(item)
        return {g: items for g, items in out.items() if items}

    def label(self, code: str, lang: str = "de") -> str:
        item = self.get(code)
        if item is None:
            return code
        return item.label_de if lang == "de" else item.label_en
