"""Error texts for the TUI: the catalog's, except where a text points CLI users to a command line;
in the TUI the same refusal names the key to press instead (README: no CLI advice in the TUI)."""

from __future__ import annotations

from wbtui.i18n import describe, has, render_reason, render_reasons

# catalog keys whose CLI wording names a command or an option; "ux.tui.<key>" says it for the TUI
CLI_WORDED = (
    "err.export_needs_handover",
    "err.break_glass_needed",
    "err.person_differs",
    "err.person_out_of_scope",
    "err.sync_no_token",
    "err.store_not_encrypted",
    "err.pdf_needs_output",
    "guard.use_command",
    "err.bad_assignment",
    "err.export_exists",
)


def tui_key(key: str) -> str:
    return f"ux.tui.{key}" if key in CLI_WORDED and has(f"ux.tui.{key}") else key


def user_text(exc: BaseException) -> str:
    """What the TUI says about ``exc`` (a WbtuiError): its reasons, worded for the TUI."""
    reasons = getattr(exc, "reasons", None)
    if reasons:
        return render_reasons([(tui_key(key), params) for key, params in reasons])
    key = getattr(exc, "key", None)
    if key is not None and tui_key(key) != key:
        return render_reason(tui_key(key), getattr(exc, "params", {}))
    return describe(exc)
