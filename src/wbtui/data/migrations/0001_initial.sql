-- 0001: initial schema of the FbW reference process (frozen; never edit, add a new migration).

CREATE TABLE organisation (
	id CHAR(32) NOT NULL, 
	kind VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	traeger_nummer VARCHAR, 
	address VARCHAR, 
	function_mailbox VARCHAR, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE app_user (
	id CHAR(32) NOT NULL, 
	org_id CHAR(32) NOT NULL, 
	display_name VARCHAR NOT NULL, 
	login VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	team VARCHAR, 
	active BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(org_id) REFERENCES organisation (id), 
	UNIQUE (login)
);

CREATE INDEX ix_app_user_org_id ON app_user (org_id);

CREATE TABLE course (
	id CHAR(32) NOT NULL, 
	provider_org_id CHAR(32), 
	provider_name VARCHAR, 
	title VARCHAR NOT NULL, 
	kursnet_id VARCHAR, 
	azav_certified BOOLEAN NOT NULL, 
	start DATE, 
	planned_end DATE, 
	hours_per_week INTEGER, 
	leads_to_qualification BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(provider_org_id) REFERENCES organisation (id)
);

CREATE TABLE person (
	id CHAR(32) NOT NULL, 
	kundennummer VARCHAR NOT NULL, 
	bg_nummer VARCHAR, 
	family_name VARCHAR NOT NULL, 
	given_names VARCHAR NOT NULL, 
	birth_date DATE, 
	address VARCHAR, 
	phone VARCHAR, 
	email VARCHAR, 
	preferred_language VARCHAR, 
	needs_interpreter BOOLEAN NOT NULL, 
	german_level_cefr VARCHAR, 
	school_certificate VARCHAR, 
	jobcenter_org_id CHAR(32), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(jobcenter_org_id) REFERENCES organisation (id)
);

CREATE INDEX ix_person_bg_nummer ON person (bg_nummer);

CREATE INDEX ix_person_kundennummer ON person (kundennummer);

CREATE TABLE consent (
	id CHAR(32) NOT NULL, 
	person_id CHAR(32) NOT NULL, 
	purpose VARCHAR NOT NULL, 
	recipients JSON NOT NULL, 
	data_groups JSON NOT NULL, 
	form VARCHAR NOT NULL, 
	given_on DATE NOT NULL, 
	valid_until DATE, 
	revoked_on DATE, 
	document_ref VARCHAR, 
	explained_consequences BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(person_id) REFERENCES person (id)
);

CREATE INDEX ix_consent_person_id ON consent (person_id);

CREATE TABLE fbw_case (
	id CHAR(32) NOT NULL, 
	person_id CHAR(32) NOT NULL, 
	stage VARCHAR NOT NULL, 
	stage_since DATETIME NOT NULL, 
	jobcenter_org_id CHAR(32), 
	agentur_org_id CHAR(32), 
	owner_user_id CHAR(32), 
	target_kldb VARCHAR, 
	target_title VARCHAR, 
	training_type VARCHAR, 
	schedule VARCHAR, 
	earliest_start DATE, 
	max_commute_km INTEGER, 
	necessity_reason VARCHAR, 
	legacy_jc_funded BOOLEAN NOT NULL, 
	care_arranged BOOLEAN, 
	health_limits_summary VARCHAR, 
	availability VARCHAR, 
	legal_basis VARCHAR, 
	counselling_outcome VARCHAR, 
	appointment_at DATETIME, 
	voucher_valid_until DATE, 
	course_start DATE, 
	course_planned_end DATE, 
	last_contact_at DATETIME, 
	close_reason VARCHAR, 
	closed_at DATETIME, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(person_id) REFERENCES person (id), 
	FOREIGN KEY(jobcenter_org_id) REFERENCES organisation (id), 
	FOREIGN KEY(agentur_org_id) REFERENCES organisation (id), 
	FOREIGN KEY(owner_user_id) REFERENCES app_user (id)
);

CREATE INDEX ix_case_stage_since ON fbw_case (stage, stage_since);

CREATE INDEX ix_case_updated ON fbw_case (updated_at);

CREATE INDEX ix_fbw_case_owner_user_id ON fbw_case (owner_user_id);

CREATE INDEX ix_fbw_case_person_id ON fbw_case (person_id);

CREATE TABLE vocational_qualification (
	id CHAR(32) NOT NULL, 
	person_id CHAR(32) NOT NULL, 
	title VARCHAR NOT NULL, 
	kldb_code VARCHAR, 
	country VARCHAR, 
	recognition_status VARCHAR NOT NULL, 
	year INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(person_id) REFERENCES person (id)
);

CREATE INDEX ix_vocational_qualification_person_id ON vocational_qualification (person_id);

CREATE TABLE work_episode (
	id CHAR(32) NOT NULL, 
	person_id CHAR(32) NOT NULL, 
	kldb_code VARCHAR, 
	title VARCHAR NOT NULL, 
	date_from DATE, 
	date_to DATE, 
	PRIMARY KEY (id), 
	FOREIGN KEY(person_id) REFERENCES person (id)
);

CREATE INDEX ix_work_episode_person_id ON work_episode (person_id);

CREATE TABLE appointment (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	kind VARCHAR NOT NULL, 
	starts_at DATETIME NOT NULL, 
	location VARCHAR, 
	status VARCHAR NOT NULL, 
	organiser VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id)
);

CREATE INDEX ix_appointment_case_id ON appointment (case_id);

CREATE TABLE case_event (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	at DATETIME NOT NULL, 
	type VARCHAR NOT NULL, 
	from_stage VARCHAR, 
	to_stage VARCHAR, 
	actor VARCHAR, 
	org_id CHAR(32), 
	payload JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id), 
	FOREIGN KEY(org_id) REFERENCES organisation (id)
);

CREATE INDEX ix_event_case_at ON case_event (case_id, at);

CREATE TABLE conference (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	held_on DATE NOT NULL, 
	variant VARCHAR NOT NULL, 
	with_person BOOLEAN NOT NULL, 
	organiser VARCHAR, 
	consent_id CHAR(32), 
	agenda JSON NOT NULL, 
	decisions JSON NOT NULL, 
	dissent VARCHAR, 
	next_review DATE, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id), 
	FOREIGN KEY(consent_id) REFERENCES consent (id)
);

CREATE INDEX ix_conference_case_id ON conference (case_id);

CREATE TABLE enrolment (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	course_id CHAR(32) NOT NULL, 
	entered_on DATE, 
	planned_end DATE, 
	actual_end DATE, 
	outcome VARCHAR, 
	interim_exam VARCHAR NOT NULL, 
	final_exam VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id), 
	FOREIGN KEY(course_id) REFERENCES course (id)
);

CREATE INDEX ix_enrolment_case_id ON enrolment (case_id);

CREATE TABLE handover (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	from_org_id CHAR(32), 
	to_org_id CHAR(32), 
	from_user VARCHAR, 
	sent_at DATETIME NOT NULL, 
	channel VARCHAR NOT NULL, 
	payload_version INTEGER NOT NULL, 
	package JSON NOT NULL, 
	legal_basis VARCHAR NOT NULL, 
	consent_id CHAR(32), 
	status VARCHAR NOT NULL, 
	query_text VARCHAR, 
	acknowledged_by VARCHAR, 
	acknowledged_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id), 
	FOREIGN KEY(from_org_id) REFERENCES organisation (id), 
	FOREIGN KEY(to_org_id) REFERENCES organisation (id), 
	FOREIGN KEY(consent_id) REFERENCES consent (id)
);

CREATE INDEX ix_handover_case_id ON handover (case_id);

CREATE TABLE obstacle (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	code VARCHAR NOT NULL, 
	art9 BOOLEAN NOT NULL, 
	status VARCHAR NOT NULL, 
	service VARCHAR, 
	referred_on DATE, 
	review_on DATE, 
	note VARCHAR, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_obstacle_case_code UNIQUE (case_id, code), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id)
);

CREATE INDEX ix_obstacle_case_id ON obstacle (case_id);

CREATE TABLE voucher (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	number VARCHAR, 
	issued_on DATE NOT NULL, 
	valid_until DATE NOT NULL, 
	training_goal VARCHAR, 
	kldb VARCHAR, 
	max_duration_months INTEGER, 
	regional_scope VARCHAR, 
	cost_items JSON NOT NULL, 
	status VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id)
);

CREATE INDEX ix_voucher_case_id ON voucher (case_id);

CREATE TABLE conference_participant (
	id CHAR(32) NOT NULL, 
	conference_id CHAR(32) NOT NULL, 
	name VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	organisation VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conference_id) REFERENCES conference (id)
);

CREATE INDEX ix_conference_participant_conference_id ON conference_participant (conference_id);

CREATE TABLE task (
	id CHAR(32) NOT NULL, 
	case_id CHAR(32) NOT NULL, 
	origin VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	owner VARCHAR NOT NULL, 
	due_on DATE NOT NULL, 
	status VARCHAR NOT NULL, 
	done_at DATETIME, 
	conference_id CHAR(32), 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES fbw_case (id), 
	FOREIGN KEY(conference_id) REFERENCES conference (id)
);

CREATE INDEX ix_task_case_id ON task (case_id);

CREATE INDEX ix_task_status_due ON task (status, due_on);
