"""The README's CLI tour runs as written (issue 14, point 11): in bash, in an empty folder, with ``wbtui`` on
the PATH, acting as the Jobcenter and, through a second configuration, as the Agentur. The text below is the
README's block; keep them the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SETUP = """\
mkdir -p wbtui-tour && cd wbtui-tour
export WBTUI_DATA_DIR=$PWD/daten          # a store just for the tour (leave it out to use your own)
cat > jobcenter.toml <<'EOF'
[office]
name = "Jobcenter Musterstadt"
kind = "jobcenter_ge"
partner_agentur = "Agentur für Arbeit Musterstadt"
[user]
name = "Ida Ifk"
login = "ifk.ida"
role = "jc_ifk"
EOF
cat > agentur.toml <<'EOF'
[office]
name = "Agentur für Arbeit Musterstadt"
kind = "agentur"
[user]
name = "Anton Berater"
login = "aa.anton"
role = "aa_beratung"
EOF
export WBTUI_CONFIG=$PWD/jobcenter.toml                 # "wbtui …" acts as the Jobcenter
aa() { WBTUI_CONFIG=$PWD/agentur.toml wbtui "$@"; }      # "aa …" acts as the Agentur (same store)
"""

TOUR = """\
wbtui case new -k 123A456789 -n Beispiel -g Berta --birth-date 12.04.1985 --phone "0151 1234567" \\
      --target-kldb 52122 --training-type Umschulung --schedule Vollzeit --necessity "fehlender Berufsabschluss"
wbtui case move 123A456789 S2                  # stages by code (S2), key or label
wbtui obstacle catalog                          # the Hemmnis codes
wbtui obstacle add 123A456789 R-KIN
wbtui handover send 123A456789 || true          # refused (exit 1), naming what is missing
wbtui obstacle set 123A456789 R-KIN --status gelöst
wbtui consent add 123A456789 --recipient agentur --group stammdaten --group hemmnisse
wbtui handover check 123A456789                 # nothing missing now
wbtui case move 123A456789 S3
wbtui handover send 123A456789
aa handover query 123A456789 --text "Geburtsdatum bitte prüfen"   # the Agentur asks back: the case returns
wbtui handover send 123A456789                  # checked and sent again
aa handover ack 123A456789                      # the Agentur acknowledges
aa case move 123A456789 S6 --outcome förderfähig --date "$(date +%d.%m.%Y) 08:00"
aa case move 123A456789 S7 --valid-until "$(date -d '+2 months' +%d.%m.%Y)"
aa case move 123A456789 S8 --start "$(date -d '+1 month' +%d.%m.%Y)" --end "$(date -d '+2 years' +%d.%m.%Y)"
wbtui conference add 123A456789 --variant fallbesprechung --participant "Ida Ifk:Integrationsfachkraft:Jobcenter" \\
      --decision "Weiter wie geplant:ifk.ida:$(date -d '+3 weeks' +%d.%m.%Y)"
wbtui task list --mine
wbtui overdue
wbtui case list --stage S8 --search beispiel
wbtui case show 123A456789                      # labels and TT.MM.JJJJ; --json keeps the codes
wbtui handover print 123A456789 --format pdf -o uebergabebogen.pdf
wbtui handover export 123A456789 -o uebergabe.json   # no common server (zkT): the handover as a file
aa --db "$PWD/agentur.db" handover import uebergabe.json   # at the Agentur, in its own store: checked whole
printf 'Kundennummer;Nachname;Vorname;Geburtsdatum;Ziel-KldB\\n234B567890;Muster;Max;01.02.1990;52122\\n' > verbis.csv
wbtui import-csv verbis.csv --dry-run          # key fields from the primary system, per-row report
wbtui report --format csv -o steuerung.csv      # steering figures; counts below 3 suppressed
"""


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path):
    bin_dir = Path(sys.executable).parent
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WBTUI_") or key == "WBTUI_I18N_STRICT"  # a new user's shell
    }
    env.update(HOME=str(tmp_path), PATH=f"{bin_dir}:{env['PATH']}", LC_ALL="C.UTF-8")
    script = "set -euo pipefail\n" + SETUP + TOUR
    res = subprocess.run(
        ["bash", "--norc", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, (res.stdout[-3000:], res.stderr[-3000:])
    out = res.stdout
    assert "Offene Hemmnisse: R-KIN" in res.stderr  # the refused send said why
    assert "S8 Maßnahme bewilligt" in out and "Weiter wie geplant" in out
    assert "Übergabe als Fall" in out  # imported at the Agentur
    assert (tmp_path / "wbtui-tour" / "uebergabebogen.pdf").stat().st_size > 1000
