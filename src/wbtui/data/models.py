"""SQLModel tables of the FbW reference process (README "The process in short").

Keys are UUIDs, timestamps are timezone-aware UTC datetimes. Lists and coded payloads
are JSON text columns. The schema on disk is created by the versioned
migrations in ``migrations/``; ``tests/test_migrations.py`` checks that the
migrated schema matches these models.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from wbtui.data import package as packed


def utcnow() -> datetime:
    """Aware UTC now; SQLite stores it without offset, it reads back as UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str  # jobcenter_ge | jobcenter_zkt | agentur | bildungstraeger | kommunaler_dienst | other
    name: str
    traeger_nummer: str | None = None
    address: str | None = None
    function_mailbox: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    display_name: str
    login: str = Field(unique=True)
    role: str
    team: str | None = None
    active: bool = True


class Person(SQLModel, table=True):
    __tablename__ = "person"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kundennummer: str = Field(index=True)
    bg_nummer: str | None = Field(default=None, index=True)
    family_name: str
    given_names: str
    birth_date: date | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_language: str | None = None
    needs_interpreter: bool = False
    german_level_cefr: str | None = None  # A1..C2
    school_certificate: str | None = None
    jobcenter_org_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VocationalQualification(SQLModel, table=True):
    __tablename__ = "vocational_qualification"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    title: str
    kldb_code: str | None = None
    country: str | None = None
    recognition_status: str = "n/a"  # n/a | pending | full | partial | none
    year: int | None = None
    removed_on: date | None = None  # removed as entered by mistake (migration 0018): in no view or document


class WorkEpisode(SQLModel, table=True):
    __tablename__ = "work_episode"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    kldb_code: str | None = None
    title: str
    date_from: date | None = None
    date_to: date | None = None
    removed_on: date | None = None  # as VocationalQualification.removed_on


class FbwCase(SQLModel, table=True):
    """One referral episode of a person into vocational further training."""

    __tablename__ = "fbw_case"
    __table_args__ = (
        Index("ix_case_stage_since", "stage", "stage_since"),
        Index("ix_case_updated", "updated_at"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    stage: str = "need_identified"
    stage_since: datetime = Field(default_factory=utcnow)
    jobcenter_org_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    agentur_org_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    owner_user_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    owner_login: str | None = None  # the caseworker whose caseload holds the case (synced within the office)
    owner_team: str | None = None  # their team (synced within the office); see domain/access.py
    target_kldb: str | None = None
    target_title: str | None = None
    training_type: str | None = None
    schedule: str | None = None  # vollzeit | teilzeit
    earliest_start: date | None = None
    kooperationsplan_on: date | None = None  # the Kooperationsplan (§ 15 SGB II) agreed or updated on
    max_commute_km: int | None = None
    necessity_reason: str | None = None
    legacy_jc_funded: bool = False
    care_arranged: bool | None = None
    health_limits_summary: str | None = None  # functional only, never diagnoses (Art. 9)
    availability: str | None = None
    legal_basis: str | None = None  # consent | sgb_x_69
    counselling_outcome: str | None = None
    appointment_at: datetime | None = None
    voucher_valid_until: date | None = None
    course_start: date | None = None
    course_planned_end: date | None = None
    kursnet_id: str | None = None  # KURSNET offer ID of the approved course (sync schema 2)
    last_contact_at: datetime | None = None
    close_reason: str | None = None
    closed_at: datetime | None = None
    # reason codes (migration 0011; domain/process.py REASON_FIELDS)
    decline_reason: str | None = None
    dropout_reason: str | None = None
    non_integration_reason: str | None = None
    # voucher and course details (migration 0011; § 87a SGB III in domain/benefits.py)
    voucher_number: str | None = None
    training_goal: str | None = None  # Bildungsziel
    duration_months: int | None = None
    region: str | None = None
    provider_name: str | None = None
    course_title: str | None = None
    qualification_2y: bool | None = None  # leads to a recognised Ausbildungsberuf of >= 2 years
    course_actual_start: date | None = None
    course_actual_end: date | None = None
    interim_exam: str | None = None
    final_exam: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # maintained by database triggers (migration 0004) for the board's order and search
    sort_name: str | None = None
    search_text: str | None = None


class Obstacle(SQLModel, table=True):
    __tablename__ = "obstacle"
    __table_args__ = (UniqueConstraint("case_id", "code", name="uq_obstacle_case_code"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id", index=True)
    code: str
    art9: bool = False
    status: str = "offen"  # offen | in_bearbeitung | geloest | nicht_loesbar | nicht_relevant
    service: str | None = None
    referred_on: date | None = None
    review_on: date | None = None
    note: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Consent(SQLModel, table=True):
    __tablename__ = "consent"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    purpose: str
    recipients: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data_groups: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    form: str = "schriftlich"  # schriftlich | elektronisch
    given_on: date
    valid_until: date | None = None
    revoked_on: date | None = None
    document_ref: str | None = None
    explained_consequences: bool = True
    # persons released from confidentiality by name (migration 0015; domain/conference.py)
    persons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class PackedJSON(TypeDecorator):
    """The handover package's column (data/package.py): packed on write, the same JSON value on read."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else packed.pack(value)

    def process_result_value(self, value, dialect):
        return packed.unpack(value)


class Handover(SQLModel, table=True):
    __tablename__ = "handover"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id", index=True)
    from_org_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    to_org_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    from_user: str | None = None
    sent_at: datetime = Field(default_factory=utcnow)
    channel: str = "shared_system"  # shared_system | file_export | post | email
    payload_version: int = 1
    package: dict = Field(default_factory=dict, sa_column=Column(PackedJSON, nullable=False))
    legal_basis: str = "consent"
    consent_id: uuid.UUID | None = Field(default=None, foreign_key="consent.id")
    status: str = "sent"  # sent | accepted | query | returned
    query_text: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class Appointment(SQLModel, table=True):
    """Termin: kinds, statuses and who keeps which kind in domain/appointments.py."""

    __tablename__ = "appointment"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id", index=True)
    kind: str  # aa_beratung | aed_bps | absolventengespraech | fallkonferenz (domain.vocab.APPOINTMENT_KINDS)
    starts_at: datetime
    duration_minutes: int | None = None
    location: str | None = None
    with_whom: str | None = None
    status: str = "geplant"  # geplant | wahrgenommen | nicht_erschienen | verschoben | abgesagt
    status_reason: str | None = None
    moved_from: str | None = None  # hex id of the appointment this one replaces (status verschoben)
    organiser: str | None = None
    created_at: datetime | None = Field(default_factory=utcnow)
    updated_at: datetime | None = Field(default_factory=utcnow)


class Voucher(SQLModel, table=True):
    """Bildungsgutschein: valid for at most three months."""

    __tablename__ = "voucher"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id", index=True)
    number: str | None = None
    issued_on: date
    valid_until: date
    training_goal: str | None = None
    kldb: str | None = None
    max_duration_months: int | None = None
    regional_scope: str | None = None
    cost_items: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = "ausgegeben"  # ausgegeben | eingeloest | verfallen | zurueckgegeben


class Course(SQLModel, table=True):
    """A training course (Maßnahme) of a provider."""

    __tablename__ = "course"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    provider_org_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    provider_name: str | None = None
    title: str
    kursnet_id: str | None = None
    azav_certified: bool = True
    start: date | None = None
    planned_end: date | None = None
    hours_per_week: int | None = None
    leads_to_qualification: bool = False


class Enrolment(SQLModel, table=True):
    """Participation of a case in a course (Teilnahme)."""

    __tablename__ = "enrolment"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id", index=True)
    course_id: uuid.UUID = Field(foreign_key="course.id")
    entered_on: date | None = None
    planned_end: date | None = None
    actual_end: date | None = None
    outcome: str | None = None  # regulaer | abbruch_* | ausschluss | sonstiges
    interim_exam: str = "n/a"
    final_exam: str = "n/a"


class Conference(SQLModel, table=True):
    """Fallkonferenz: with or without the person."""

    __tablename__ = "conference"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id", index=True)
    held_on: date
    variant: str  # fallbesprechung | ohne_person | mit_person
    with_person: bool = False
    organiser: str | None = None
    consent_id: uuid.UUID | None = Field(default=None, foreign_key="consent.id")
    agenda: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decisions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    dissent: str | None = None
    next_review: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # the protocol (migration 0011): where and when, minutes per agenda item, who receives it
    place: str | None = None
    start_time: str | None = None  # HH:MM, local time
    minutes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    distribution: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    # who answers for each decision, by name and role as at the conference (migration 0016; never a login)
    responsible: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class ConferenceParticipant(SQLModel, table=True):
    __tablename__ = "conference_participant"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    conference_id: uuid.UUID = Field(foreign_key="conference.id", index=True)
    name: str
    role: str
    organisation: str | None = None


class Task(SQLModel, table=True):
    """Wiedervorlage: a follow-up with an owner and a due date."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_status_due", "status", "due_on"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id", index=True)
    origin: str = "manual"  # manual | timer_rule | fallkonferenz | event
    title: str
    owner: str
    due_on: date
    status: str = "offen"  # offen | erledigt | verworfen
    done_at: datetime | None = None
    conference_id: uuid.UUID | None = Field(default=None, foreign_key="conference.id")


class Absence(SQLModel, table=True):
    """A colleague's absence and deputy (README "Vertretung"): new work for them goes to the deputy, or to
    the team inbox when none is named (domain/assignment.py). Kept in the office's store (migration 0011)."""

    __tablename__ = "absence"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    login: str = Field(index=True)
    deputy: str | None = None
    date_from: date
    date_until: date
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class CaseEvent(SQLModel, table=True):
    """Append-only case timeline. A trigger refuses updates."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_event_case_at", "case_id", "at"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="fbw_case.id")
    at: datetime = Field(default_factory=utcnow)
    type: str
    from_stage: str | None = None
    to_stage: str | None = None
    actor: str | None = None
    org_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
