"""Demo data: legal histories along the stage model, all stages present, realistic mix."""

from __future__ import annotations

import json
from collections import defaultdict

from common import TODAY
from wbtui.domain import process
from wbtui.domain.process import Stage
from wbtui.services import demo


def test_histories_follow_the_stage_model(store):
    con = store.raw(readonly=False)
    demo.generate(con, 600, seed=11, today=TODAY)
    stages = dict(con.execute("SELECT id, stage FROM fbw_case").fetchall())
    paths = defaultdict(list)
    for case_id, src, dst in con.execute(
        "SELECT case_id, from_stage, to_stage FROM case_event WHERE type = 'stage_changed' ORDER BY at, rowid"
    ):
        paths[case_id].append((src, dst))
    for case_id, stage in stages.items():
        current = Stage.NEED_IDENTIFIED
        for src, dst in paths[case_id]:
            assert Stage(src) == current
            assert Stage(dst) in process.TRANSITIONS[current] or dst == "closed", (src, dst)
            current = Stage(dst)
        assert current.value == stage
    present = set(stages.values())
    assert present == {s.value for s in Stage}
    art9 = con.execute("SELECT COUNT(DISTINCT case_id) FROM obstacle WHERE art9 = 1").fetchone()[0]
    assert 0.05 * len(stages) < art9 < 0.4 * len(stages)
    vouchers = con.execute("SELECT issued_on, valid_until FROM voucher").fetchall()
    assert all(
        process.add_months(__import__("datetime").date.fromisoformat(i), 3)
        >= __import__("datetime").date.fromisoformat(v)
        for i, v in vouchers
    )
    assert con.execute("SELECT COUNT(*) FROM conference").fetchone()[0] > 0
    con.close()


def test_same_seed_same_data(tmp_path):
    from wbtui.data.store import open_store

    dumps = []
    for name in ("a.db", "b.db"):
        store = open_store(tmp_path / name)
        con = store.raw(readonly=False)
        demo.generate(con, 50, seed=3, today=TODAY)
        dumps.append(json.dumps(con.execute("SELECT id, stage, stage_since FROM fbw_case ORDER BY id").fetchall()))
        con.close()
    assert dumps[0] == dumps[1]
