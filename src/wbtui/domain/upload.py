"""What the first upload of a store that worked without sync may bring (README "The server is the authority").

A Jobcenter's store that worked without sync holds cases in later stages: the server takes such a case as
the office's own record, in whatever stage it has reached, when the upload brings it to the server for the
first time (:func:`wbtui.server.push.Push.upload_honoured`). That record is the Jobcenter's own work: the
upload never carries what only the other office does (attack 2, F3: a Jobcenter device, marking a new
case as an upload, wrote the Agentur's acknowledgement, counselling outcome, stages and timeline entries
under an Agentur login, and the Agentur's snapshot showed them as its own):

* a field only the other office sets (:mod:`wbtui.domain.permissions`: the voucher, the counselling
  outcome, the handover's acknowledgement or query …), an appointment of a kind the other office keeps;
* a stage the other office keeps (the Agentur's from the counselling appointment on; the handover itself,
  S4, is the Jobcenter's step) and a handover status other than sent;
* a timeline entry of the other office's kind, or by a login of another office.

What the Agentur reported back by file (:mod:`wbtui.services.feedback`) stays in the Jobcenter's store;
the Agentur's own record of it is the Agentur's to send.

The legitimate exception is explicit and audited: an **upload window** the server's administrator opens
for one login (``wbtui server upload-window LOGIN``, :func:`wbtui.server.admin.open_upload_window`) for a
store both offices worked in, or one that imported the Agentur's feedback file. While it is open, that
login's first upload of a case new to the server may carry the other office's acts (these two refusals
are not applied; every other check is), and a timeline entry may name a login of an Agentur, the office a
Jobcenter hands a case to, never one of another Jobcenter. It never applies to a case the server holds.
"""

from __future__ import annotations

from wbtui.domain.appointments import side_may_keep
from wbtui.domain.permissions import EVENT_SIDES, rule_for
from wbtui.domain.process import AA, JC, STAGES, Stage

# The handover statuses the sending office sets itself (the Agentur acknowledges or queries).
SENDER_STATUSES = frozenset({"sent"})


def upload_write_refusal(entity: str, field: str, value: object, *, side: str) -> str | None:
    """Why an upload by an office of ``side`` may not carry ``entity.field = value`` (or None)."""
    if side not in rule_for(entity, field).create:
        return "side"
    if entity == "case" and field == "stage" and isinstance(value, str) and value in Stage.__members__.values():
        stage = Stage(value)
        owner = STAGES[stage].owner
        if owner in (JC, AA) and owner != side and stage not in _SENT_BY.get(side, ()):
            return "stage"  # the other office's stage (a closed case is nobody's: the Jobcenter closes it)
    if entity == "handover" and field == "status" and value not in SENDER_STATUSES:
        return "process"
    if entity == "appointment" and field == "kind" and not side_may_keep(side, str(value)):
        return "side"
    return None


# The stage an office's own step leads into although the other office works on the case in it: the
# Jobcenter's handover (S3 -> S4).
_SENT_BY = {JC: (Stage.HANDED_OVER,)}


def upload_event_refusal(
    event_type: str, actor: object, *, side: str, other_logins: frozenset[str], window: bool = False
) -> str | None:
    """Why an uploaded timeline entry may not be taken (or None): an entry of the other office's kind, or by a
    login the server knows as another office's (``other_logins``). A colleague the server has not met yet
    may have written it (a store kept without sync names its own users), as a follow-up may name one
    (:func:`wbtui.domain.permissions.task_owner_refusal`). Within an upload ``window`` (see below) an entry
    of any kind; who wrote it is still checked (the caller leaves the office the case is handed to out of
    ``other_logins``)."""
    if not window and side not in EVENT_SIDES.get(event_type, frozenset({side})):
        return "side"
    return "actor" if not isinstance(actor, str) or actor in other_logins else None
