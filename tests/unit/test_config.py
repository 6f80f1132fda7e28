"""Local configuration: a bad file is refused with file, line and field; nothing half-configured."""

from __future__ import annotations

import pytest

from common import write_config
from wbtui.config import EXAMPLE, load
from wbtui.domain.errors import ConfigError
from wbtui.i18n import describe


def test_missing_file_gives_defaults(tmp_path):
    cfg = load(tmp_path / "nope.toml")
    assert cfg.source is None and cfg.language == "de" and cfg.timers.handover_ack_workdays == 5


def test_example_is_valid(tmp_path):
    cfg = load(write_config(tmp_path, EXAMPLE))
    assert cfg.office_name == "Jobcenter Musterstadt" and cfg.user_role == "jc_ifk"


def test_full_config(tmp_path):
    cfg = load(
        write_config(
            tmp_path,
            """
language = "en"
holidays = ["2026-12-24", 2026-12-31]
[office]
name = "Jobcenter Kreis Nordland"
kind = "jobcenter_zkt"
[user]
role = "jc_teamlead"
[timers]
handover_ack_workdays = 3
[stages]
aptitude_check = false
[[obstacles]]
code = "X-WOB"
label = "Wohnortnahe Maßnahme"
art9 = false
""",
        )
    )
    assert cfg.language == "en" and cfg.office_kind == "jobcenter_zkt" and cfg.timers.handover_ack_workdays == 3
    assert len(cfg.holidays) == 2 and not cfg.aptitude_check
    assert cfg.catalog().get("X-WOB").label_de == "Wohnortnahe Maßnahme"


@pytest.mark.parametrize(
    "text,line,fragment",
    [
        ('language = "de"\n[timers]\nhandover_ack_workdays = "five"\n', 3, "timers.handover_ack_workdays"),
        ('[user]\nname = "x"\nrole = "chef"\n', 3, "user.role"),
        ('[office]\nkind = "jobcenter_ge"\ncolour = "blue"\n', 3, "office.colour"),
        ('language = "fr"\n', 1, "language"),
        ("\n\n[timers]\nstalled_days = 0\n", 4, "timers.stalled_days"),
        ('[[obstacles]]\ncode = "Q-SCH"\nlabel = "dup"\n', 2, "obstacles.code"),
        ('holidays = ["2026-13-01"]\n', 1, "holidays"),
        ("[retention]\nclosed_case_days = 7\n", 2, "retention.closed_case_days"),
        ("[security]\nidle_lock_minutes = 0\n", 2, "security.idle_lock_minutes"),
        ('[store]\nencryption = "rot13"\n', 2, "store.encryption"),
        ('[documents]\nfont = "/nirgends/schrift.ttf"\n', 2, "documents.font"),
        ("[user]\nteam = 5\n", 2, "user.team"),
    ],
)
def test_bad_field_names_file_line_and_field(tmp_path, text, line, fragment):
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load(path)
    message = describe(err.value)
    assert str(path) in message and f"Zeile {line}" in message and fragment in message


def test_syntax_error_names_line(tmp_path):
    path = write_config(tmp_path, 'language = "de"\n[office\nname = "x"\n')
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "Zeile 2" in describe(err.value) and str(path) in describe(err.value)
