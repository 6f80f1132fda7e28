"""How the demo generator writes its rows: one executemany per table, in parent-first order, then the
handover packages and the caseload (owner and team) filled in by SQL (:mod:`wbtui.services.demo`)."""

from __future__ import annotations

INSERTS = {
    "person": "INSERT INTO person (id, kundennummer, bg_nummer, family_name, given_names, birth_date, address, phone, email, preferred_language, needs_interpreter, german_level_cefr, school_certificate, jobcenter_org_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "case": "INSERT INTO fbw_case (id, person_id, stage, stage_since, jobcenter_org_id, agentur_org_id, owner_user_id, target_kldb, target_title, training_type, schedule, earliest_start, max_commute_km, necessity_reason, legacy_jc_funded, care_arranged, health_limits_summary, availability, legal_basis, counselling_outcome, appointment_at, voucher_valid_until, course_start, course_planned_end, last_contact_at, close_reason, closed_at, created_at, updated_at, owner_team, decline_reason, dropout_reason, non_integration_reason, voucher_number, training_goal, duration_months, region, provider_name, course_title, kursnet_id, qualification_2y, course_actual_start, course_actual_end, interim_exam, final_exam) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "event": "INSERT INTO case_event (id, case_id, at, type, from_stage, to_stage, actor, org_id, payload) VALUES (?,?,?,?,?,?,?,?,?)",
    "obstacle": "INSERT INTO obstacle (id, case_id, code, art9, status, service, referred_on, review_on, note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "consent": "INSERT INTO consent (id, person_id, purpose, recipients, data_groups, form, given_on, valid_until, revoked_on, document_ref, explained_consequences) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "handover": "INSERT INTO handover (id, case_id, from_org_id, to_org_id, from_user, sent_at, channel, payload_version, package, legal_basis, consent_id, status, query_text, acknowledged_by, acknowledged_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "voucher": "INSERT INTO voucher (id, case_id, number, issued_on, valid_until, training_goal, kldb, max_duration_months, regional_scope, cost_items, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "task": "INSERT INTO task (id, case_id, origin, title, owner, due_on, status, done_at, conference_id) VALUES (?,?,?,?,?,?,?,?,?)",
    "appointment": "INSERT INTO appointment (id, case_id, kind, starts_at, location, status, organiser) VALUES (?,?,?,?,?,?,?)",
    "conference": "INSERT INTO conference (id, case_id, held_on, variant, with_person, organiser, consent_id, agenda, decisions, dissent, next_review, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "participant": "INSERT INTO conference_participant (id, conference_id, name, role, organisation) VALUES (?,?,?,?,?)",
}
ORDER = (
    "person",
    "case",
    "event",
    "obstacle",
    "consent",
    "handover",
    "voucher",
    "conference",
    "task",
    "appointment",
    "participant",
)


def _bool(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"


# The handover package of a demo handover: the same minimum data set services.handover_package
# builds (Art. 9 obstacles left out, as without health consent), filled from the generated rows.
PACKAGE_SQL = f"""
UPDATE handover SET package = wbtui_pack((
  SELECT json_object(
    'version', 1,
    'person', json_object('kundennummer', p.kundennummer, 'bg_nummer', p.bg_nummer, 'family_name', p.family_name,
        'given_names', p.given_names, 'birth_date', p.birth_date, 'address', p.address, 'phone', p.phone, 'email', p.email,
        'preferred_language', p.preferred_language, 'needs_interpreter', {_bool("p.needs_interpreter")},
        'german_level_cefr', p.german_level_cefr, 'school_certificate', p.school_certificate),
    'case', json_object('target_kldb', c.target_kldb, 'target_title', c.target_title, 'training_type', c.training_type,
        'schedule', c.schedule, 'earliest_start', c.earliest_start, 'max_commute_km', c.max_commute_km,
        'necessity_reason', c.necessity_reason, 'care_arranged', {_bool("c.care_arranged")}, 'availability', c.availability,
        'legacy_jc_funded', {_bool("c.legacy_jc_funded")}, 'legal_basis', c.legal_basis),
    'obstacles', json((SELECT json_group_array(json_object('code', o.code, 'status', o.status)) FROM obstacle o
                       WHERE o.case_id = c.id AND o.art9 = 0)),
    'jc_contact', json_object('name', handover.from_user, 'office', ?))
  FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE c.id = handover.case_id))
WHERE package = X''
"""


# The caseload travels with the case (domain/access.py): the demo owner's login and team on the case row.
OWNER_SQL = """
UPDATE fbw_case SET
  owner_login = (SELECT u.login FROM app_user u WHERE u.id = fbw_case.owner_user_id),
  owner_team = (SELECT u.team FROM app_user u WHERE u.id = fbw_case.owner_user_id)
WHERE owner_login IS NULL AND owner_user_id IS NOT NULL
"""


def _flush(con, rows) -> None:
    from wbtui.data.timeline import insert_events

    for key in ORDER:
        if rows[key] and key == "event":
            insert_events(con, rows[key])  # the compact rows directly, no trigger per event
        elif rows[key]:
            con.executemany(INSERTS[key], rows[key])
