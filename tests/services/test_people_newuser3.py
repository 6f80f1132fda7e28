"""New-user findings (third round): who the Übergabebogen names, technical logins never as colleagues."""

from __future__ import annotations

import dataclasses

from common import COMPLETE_CASE, TODAY


def test_handover_sheet_names_the_sender_not_the_one_printing(store, jc, jc_config):
    from wbtui.services import Services
    from wbtui.services.documents import handover_document

    sender = Services(
        store, dataclasses.replace(jc_config, user_name="Sven Sender", user_login="sv.sender"), today=TODAY
    )
    case_id = sender.create_case(COMPLETE_CASE)
    sender.add_consent(
        case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY
    )
    sender.move(case_id, "ready_for_handover")
    sender.send_handover(case_id)

    doc = handover_document(jc, case_id)  # printed by Ida Ifk, the configured user of `jc`
    assert dict(doc.meta)["Ansprechperson"] == "Sven Sender"
    assert doc.signatures[0].startswith("Übergeben: Sven Sender,")


def test_technical_logins_are_no_colleagues_and_read_as_not_set_up(store, jc, jc_config):
    from wbtui.i18n import set_language
    from wbtui.services import Services
    from wbtui.services.logins import shown_login
    from wbtui.services.report_format import to_text

    unset = Services(store, dataclasses.replace(jc_config, user_login="local"), today=TODAY)
    unset.create_case(COMPLETE_CASE)  # owned by the unconfigured login
    known = jc.known_colleagues()
    assert "local" not in known and "demo" not in known and "ifk.ida" in known
    assert shown_login("local") == "nicht eingerichtet (wbtui config init)"
    assert shown_login("ifk.ida") == "ifk.ida"
    figures = {"by_caseworker": {"local": {"open": 30, "overdue": 0, "dropped_out": 0, "integrated": 0, "closed": 0}}}
    assert "nicht eingerichtet (wbtui config init)" in to_text(figures)
    set_language("en")
    assert shown_login("local") == "not set up (wbtui config init)"
