"""Deliverability set-up: `digest dkim keygen` (a DKIM key and its DNS record) and
`digest dns` (every record to publish for the configured lists)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli import app, err, errors, out, state

dkim_app = typer.Typer(help="DKIM keys: make one and print its DNS record.", no_args_is_help=True)
app.add_typer(dkim_app, name="dkim")


@dkim_app.command("keygen")
def keygen(
    domain: Annotated[str, typer.Option(help="The signing domain (d=), e.g. example.org.")],
    selector: Annotated[str, typer.Option(help="The key's selector (s=), e.g. digest2026.")],
    key_file: Annotated[
        Path | None, typer.Option(help="Where to write the private key (default: SELECTOR.DOMAIN.pem here).")
    ] = None,
    ed25519: Annotated[bool, typer.Option("--ed25519", help="An Ed25519 key instead of RSA 2048.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
) -> None:
    """Write a new private key (mode 0600; an existing file is kept unless --force) and print
    the DNS TXT record to publish. Then set [dkim] domain, selector and key_file."""
    with errors():
        from digest.app.deliverability import generate_dkim_key

        made = generate_dkim_key(domain=domain, selector=selector, key_file=key_file, ed25519=ed25519, force=force)
        err.print(f"wrote the {made.algorithm} private key to {made.path} (mode 0600)", markup=False)
        out.print(f"; publish this TXT record, then sign with it ({made.algorithm}):", markup=False)
        for line in made.lines():
            out.print(line, markup=False)
        setting = "ed25519_selector" if ed25519 else "selector"
        file_setting = "ed25519_key_file" if ed25519 else "key_file"
        out.print(
            f'; digest.toml: [dkim] domain = "{made.record_name.split("._domainkey.")[1]}", '
            f'{setting} = "{selector.strip().lower()}", {file_setting} = "{made.path.resolve()}"',
            markup=False,
        )


@app.command()
def dns() -> None:
    """Print every DNS record to publish for the configured lists: the DKIM keys' TXT
    records, an SPF suggestion for the envelope domain, a starting DMARC policy (p=none)
    for each From domain, and where the bounce domain's mail should go. Warnings (a From
    domain that does not align with the DKIM domain) go to stderr."""
    with errors():
        from digest.app.deliverability import dns_records

        advice = dns_records(state.settings)
        for warning in advice.warnings:
            err.print(f"digest: warning: {warning}", markup=False)
        for record in advice.records:
            if record.note:
                out.print(f"; {record.note}", markup=False)
            for line in record.lines():
                out.print(line, markup=False)
        for note in advice.notes:
            out.print(f"; {note}", markup=False)
