"""Issue #16: the office's lists leave the organisation wall out of their SQL while no case of the store
lies behind it (data/access.py StoreScope, migration 0020), and keep it as soon as one does."""

from __future__ import annotations

from common import COMPLETE_CASE, JC_CONFIG, TODAY, write_config
from wbtui.data import access, queries
from wbtui.data.queries import CaseFilter


def _count(con, services) -> tuple[bool, int]:
    scope = access.scope_for(con, services.subject)
    flt = CaseFilter(include_closed=True, scope=access.predicate(scope))
    return getattr(scope, "wall_open", False), queries.count_cases(con, flt, None)


def test_the_wall_is_left_out_only_while_no_case_lies_behind_it(store, jc, tmp_path):
    from wbtui.config import load
    from wbtui.services import Services

    jc.create_case(COMPLETE_CASE)
    con = store.raw()
    try:
        assert _count(con, jc) == (True, 1)
        text = JC_CONFIG.format(lang="de").replace("Musterstadt", "Nordkreis").replace("ifk.ida", "ifk.nord")
        other = Services(store, load(write_config(tmp_path, text, "nord.toml")), today=TODAY)
        other.create_case({**COMPLETE_CASE, "kundennummer": "987B654321"})
        assert queries.total_cases(con) == 2
        # each office now has a case behind its wall: the wall is back in the SQL and keeps it out
        assert _count(con, jc) == (False, 1)
        assert _count(con, other) == (False, 1)
    finally:
        con.close()
