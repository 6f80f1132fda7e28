"""New-user finding (third round): at 80 columns `wbtui case list` says which columns it left out."""

from __future__ import annotations

import sys


def test_table_at_80_columns_names_the_hidden_columns(monkeypatch, capsys):
    from wbtui.cli.common import _table
    from wbtui.i18n import t

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # a terminal: fitted to its width
    headers = ["Fall", "Name", "Kd-Nr.", "Stufe", "Timer", "Zug", "Tage", "nächste WV"]
    row = ["a1b2c3d4", "Mustermann-Lüdenscheid, Maximiliane", "123A456789", "S5 Bildungsgutschein ausgegeben",
           "überfällig", "JC+AA", "120", "01.12.2026"]  # fmt: skip
    hidden = _table(headers, [row], flex=1, optional=(7, 6, 5), caps={3: 24})
    printed = capsys.readouterr().out.splitlines()
    assert hidden and all(h not in printed[0] for h in hidden)
    assert max(len(line) for line in printed) <= 80
    assert "nächste WV" in t("ux.cli.columns_hidden", columns=", ".join(hidden))

    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)  # piped: every column, nothing hidden
    assert _table(headers, [row], flex=1, optional=(7, 6, 5), caps={3: 24}) == []
