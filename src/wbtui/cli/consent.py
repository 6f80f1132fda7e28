"""``wbtui consent …``: record and revoke consents (recipients, data groups, purpose)."""

from __future__ import annotations

import typer

from wbtui.cli.common import _choice, _clean, _date, command, st
from wbtui.i18n import t

consent_app = typer.Typer(no_args_is_help=True)


@consent_app.command("add")
@command
def consent_add(
    case: str = typer.Argument(...),
    purpose: str = typer.Option("fbw_uebergabe", "--purpose"),
    recipients: list[str] = typer.Option(["agentur"], "--recipient"),
    groups: list[str] = typer.Option(
        ["stammdaten", "qualifikation", "hemmnisse"],
        "--group",
    ),
    given: str | None = typer.Option(None, "--given"),
    valid_until: str | None = typer.Option(None, "--valid-until"),
    form: str = typer.Option("schriftlich", "--form"),
    document: str | None = typer.Option(None, "--document"),
    persons: list[str] | None = typer.Option(None, "--person"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    consent_id = services.add_consent(
        case_id,
        purpose=_choice("consent_purpose", purpose, "--purpose"),
        recipients=[_choice("consent_recipient", r, "--recipient") for r in recipients],
        data_groups=[_choice("data_group", g, "--group") for g in groups],
        given_on=_date(given, "--given"),
        valid_until=_date(valid_until, "--valid-until"),
        form=_choice("consent_form", form, "--form"),
        document_ref=document,
        persons=persons or [],
    )
    typer.echo(t("cli.consent_added", consent=consent_id.hex[:8], ref=case_id.hex[:8]))


@consent_app.command("revoke")
@command
def consent_revoke(case: str = typer.Argument(...), consent: str = typer.Argument(...)) -> None:
    services = st().services
    case_id = services.resolve(case)
    services.revoke_consent(case_id, consent)
    typer.echo(t("cli.consent_revoked", consent=_clean(consent)))
