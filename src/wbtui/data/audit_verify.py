"""Verifying the audit trail (``wbtui audit verify``): every entry against its key and predecessor, and
the end of the chain against the anchors kept outside the store (:mod:`wbtui.data.audit_key`, the
server). The first damage found is named with what is missing (README "Audit trail")."""

from __future__ import annotations

from dataclasses import dataclass

from wbtui.data.audit_chain import GENESIS, HASHED, entry_hash, next_seq


@dataclass
class Verification:
    """The state of the chain. ``problem`` (None when intact) names the first damage found:

    ``changed`` (entry ``first_bad_seq`` does not match the chain), ``gap`` (entries ``missing_from``..
    ``missing_to`` before ``first_bad_seq`` are gone), ``missing`` (the newest entries ``missing_from``..
    ``missing_to`` are gone: the chain ends before its anchor), ``emptied`` (every entry is gone),
    ``key_missing`` (the chain is keyed but the key is not there), ``anchor_missing`` / ``anchor_unsigned``
    (the side file is gone or not signed with the key). ``witness`` says who saw the anchor (``local``,
    ``server``)."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    head: str = GENESIS
    problem: str | None = None
    missing_from: int | None = None
    missing_to: int | None = None
    anchored_seq: int | None = None
    witness: str = "local"
    file: str | None = None  # the key or anchor file a key_missing / anchor_* problem is about
    server: str = "not_configured"  # not_configured | checked | offline | unsupported

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_bad_seq": self.first_bad_seq,
            "head": self.head,
            "problem": self.problem,
            "missing_from": self.missing_from,
            "missing_to": self.missing_to,
            "anchored_seq": self.anchored_seq,
            "witness": self.witness,
            "server": self.server,
        }


def verify(con) -> Verification:
    """Recompute the chain and compare its end with the anchor; the first damage found is reported."""
    from wbtui.data import audit_key

    store_id = audit_key.store_id_of(con)
    key = audit_key.load(store_id) if store_id else None
    keyed_from = _meta_int(con, "audit_keyed_from")  # the store's own record of when keying began
    prev, count, last_seq = GENESIS, 0, 0
    columns = ", ".join(HASHED)
    for row in con.execute(f"SELECT seq, {columns}, prev_hash, hash FROM audit_log ORDER BY seq"):
        count += 1
        seq = row[0]
        entry = dict(zip(HASHED, row[1:-2]))
        keyed = key is not None and seq >= key.from_seq
        if not keyed and keyed_from is not None and seq >= keyed_from:
            # keyed with a key that is gone (deleted, or replaced by a newer one): cannot be checked
            return Verification(False, count, seq, prev, "key_missing", file=_key_file(store_id))
        if seq != last_seq + 1:  # AUTOINCREMENT never skips a number: the entries in between were deleted
            return Verification(
                False, count, seq, prev, "emptied" if last_seq == 0 else "gap",
                missing_from=last_seq + 1, missing_to=seq - 1,
            )  # fmt: skip
        if row[-2] != prev:
            return Verification(False, count, seq, prev, "changed")
        if entry_hash(prev, entry, key if keyed else None) != row[-1]:
            return Verification(False, count, seq, prev, "changed")
        prev, last_seq = row[-1], seq
    result = Verification(True, count, None, prev)
    if store_id is None or key is None:
        return result
    head, problem = audit_key.read_anchor(store_id, key)
    result.file = str(audit_key.anchor_path(store_id))
    if problem is not None:
        return _broken(result, problem, None)
    if head is None:
        appended = next_seq(con) > key.from_seq  # entries were written since keying began
        return _broken(result, "anchor_missing", None) if appended else result
    result.anchored_seq = head.seq
    return check_anchor(con, result, head, "local")


def check_anchor(con, result: Verification, head, witness: str) -> Verification:
    """Compare the verified chain with one witness's anchor (the side file, the server)."""
    from wbtui.domain.anchor import compare

    newest = con.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]

    def hash_at(seq: int) -> str | None:
        row = con.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    finding = compare(head, newest, hash_at)
    if finding is None:
        return result
    problem = "emptied" if finding.emptied else finding.problem
    result = _broken(result, problem, finding.first, witness=witness)
    if finding.problem == "missing":
        result.missing_from, result.missing_to = finding.first, finding.last
    return result


def _broken(result: Verification, problem: str, seq: int | None, *, witness: str = "local") -> Verification:
    result.ok, result.problem, result.first_bad_seq, result.witness = False, problem, seq, witness
    return result


def _meta_int(con, key: str) -> int | None:
    row = con.execute("SELECT value FROM store_meta WHERE key = ?", (key,)).fetchone()
    try:
        return int(row[0]) if row else None
    except ValueError:
        return None


def _key_file(store_id: str | None) -> str | None:
    from wbtui.data.audit_key import key_path

    return str(key_path(store_id)) if store_id else None
