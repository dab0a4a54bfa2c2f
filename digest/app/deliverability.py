"""Deliverability use cases: the DKIM signer and the bounce addresses a send uses, a new
DKIM key, and the DNS records the operator should publish for the configured lists."""

from __future__ import annotations

import ipaddress
import logging
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from digest.config import DkimSettings, ListSettings, Settings, reader_link_warnings
from digest.errors import ConfigError
from digest.mail.dkim import (
    DkimError,
    DkimKey,
    DkimSigner,
    aligned,
    check_name,
    dns_value,
    generate_private_key,
    load_private_key,
    private_pem,
    zone_line,
)
from digest.mail.verp import Verp
from digest.store import Store
from digest.subscribers import mailbox_address

log = logging.getLogger(__name__)

KEY_SECRET_BLOCK = "digest-dkim-key"  # the Prefect Secret block the flows read the key from


def dkim_keys(dkim: DkimSettings) -> list[DkimKey]:
    """The configured keys (the main one first, then the Ed25519 one if any); none when
    DKIM is not configured. DkimError, naming the setting and never the key, when a key
    is missing or unusable."""
    keys = [load() for load in _key_loaders(dkim)]
    if keys and keys[0].algorithm != "rsa-sha256":
        log.warning("dkim: the main key is %s; most receivers verify only rsa-sha256", keys[0].algorithm)
    return keys


def _key_loaders(dkim: DkimSettings) -> list[Callable[[], DkimKey]]:
    """One loader per configured key, so that `digest dns` can show the keys that load
    when another does not."""
    if not dkim.enabled:
        return []

    def main() -> DkimKey:
        key = _load(
            dkim.key, dkim.key_file, where="dkim.key_file", env="DIGEST_DKIM_KEY", block=KEY_SECRET_BLOCK,
            origin=dkim.key_origin,
        )  # fmt: skip
        return DkimKey(dkim.domain, dkim.selector, key)

    def second() -> DkimKey:
        where, env = "dkim.ed25519_key_file", "DIGEST_DKIM_ED25519_KEY"
        key = DkimKey(
            dkim.domain, dkim.ed25519_selector, _load(dkim.ed25519_key, dkim.ed25519_key_file, where=where, env=env)
        )
        if key.algorithm != "ed25519-sha256":
            raise DkimError(f"{env if dkim.ed25519_key else where}: not an Ed25519 key")
        return key

    return [main, second] if dkim.ed25519_selector else [main]


def _load(text: str, path: str, *, where: str, env: str, block: str = "", origin: str = "") -> object:
    if text:
        return load_private_key(text, where=origin or env)
    if not path:
        also = f" or the Prefect Secret block {block}" if block else ""
        raise DkimError(f"{where}: no DKIM key: set {where}, {env}{also}")
    try:
        data = Path(path).read_bytes()
        mode = Path(path).stat().st_mode
    except OSError as exc:
        raise DkimError(f"{where}: cannot read {path}: {exc.strerror or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s: %s can be read by others (mode %o); chmod 600 it", where, path, stat.S_IMODE(mode))
    return load_private_key(data, where=f"{where} {path}")


def message_signer(settings: Settings) -> DkimSigner | None:
    """The signer every message of a send goes through; None without [dkim]."""
    keys = dkim_keys(settings.dkim)
    return DkimSigner(keys) if keys else None


def bounce_verp(settings: Settings, *, store: Store) -> Verp | None:
    """The bounce addresses of `[delivery] bounce_address`, signed with the store's secret
    (the one the unsubscribe links use; VERP tokens have a context of their own)."""
    from digest.app.readers import signing_secret

    address = settings.delivery.bounce_address
    return Verp(address, secret=signing_secret(settings, store=store)) if address else None


def envelope_sender(settings: Settings, chosen: ListSettings) -> str:
    """The envelope sender of a message that names no reader (a confirmation, a test):
    the bounce address itself, else the list's sender."""
    return settings.delivery.bounce_address or mailbox_address(chosen.sender)


def alignment_warnings(settings: Settings, lists: list[ListSettings] | None = None) -> list[str]:
    """One line per list whose From domain does not align with the DKIM domain (DMARC
    then fails on DKIM) or, with a bounce address, whose envelope domain does not (SPF
    then does not count for DMARC)."""
    warnings = []
    dkim = settings.dkim
    bounce_domain = settings.delivery.bounce_address.rpartition("@")[2]
    for entry in settings.lists if lists is None else lists:
        domain = mailbox_address(entry.sender).rpartition("@")[2].lower()
        if not domain:
            continue
        if dkim.enabled and not aligned(domain, dkim.domain):
            warnings.append(
                f"list {entry.name}: its From domain {domain} does not align with the DKIM domain {dkim.domain}; "
                "DMARC will fail (sign with d= the From domain or a parent of it)"
            )
        if bounce_domain and not aligned(domain, bounce_domain):
            warnings.append(
                f"list {entry.name}: its From domain {domain} does not align with the bounce domain "
                f"{bounce_domain}; SPF will not count for DMARC"
            )
    return warnings


def warn_alignment(settings: Settings, chosen: ListSettings) -> None:
    """Log what may cost the list's mail its delivery or its readers their links."""
    links = reader_link_warnings(chosen) if settings.smtp.host else []
    for warning in [*alignment_warnings(settings, [chosen]), *links]:
        log.warning("%s", warning)


# ---------------------------------------------------------------- keys and DNS


@dataclass(frozen=True, slots=True)
class NewKey:
    path: Path
    record_name: str  # selector._domainkey.domain
    record: str  # the TXT record's text
    algorithm: str

    @property
    def zone(self) -> str:
        return zone_line(self.record_name, self.record)

    def lines(self) -> list[str]:
        return txt_lines(self.record_name, self.record)


def generate_dkim_key(
    *, domain: str, selector: str, key_file: Path | None = None, ed25519: bool = False, force: bool = False
) -> NewKey:
    """A new private key written to `key_file` (default `SELECTOR.DOMAIN.pem` here) with
    mode 0600, never over an existing file unless `force`; and the DNS record to publish."""
    domain = check_name(domain, where="--domain", dotted=True)
    selector = check_name(selector, where="--selector", dotted=False)
    path = key_file or Path(f"{selector}.{domain}.pem")
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; not overwritten (--force replaces it, and the old key's record with it)")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder")
    key = generate_private_key(ed25519=ed25519)
    _write_private(path, private_pem(key), force=force)
    signing = DkimKey(domain, selector, key)
    return NewKey(path, signing.record_name, dns_value(key), signing.algorithm)


def _write_private(path: Path, data: bytes, *, force: bool) -> None:
    """Write a file only its owner can read: created with mode 0600 (never wider for a
    moment); with `force`, written beside it and renamed over the old one."""
    target = path if not force else path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = "a file of that name is in the way" if isinstance(exc, FileExistsError) else exc.strerror or exc
        raise ConfigError(f"cannot make the folder {path.parent}: {reason}") from None
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if target == path:
            raise ConfigError(f"{path} exists; not overwritten (--force replaces it)") from None
        raise ConfigError(f"cannot write {path}: {target.name} is in the way (left by another keygen?)") from None
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask did
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if target != path:
            target.replace(path)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True)
class DnsRecord:
    name: str
    kind: str  # TXT, MX
    value: str
    note: str = ""

    @property
    def zone(self) -> str:
        if self.kind == "TXT":
            return zone_line(self.name, self.value)
        return f"{self.name}. IN {self.kind} {self.value}"

    def lines(self) -> list[str]:
        """The zone-file line, and a long TXT value once more as one text for a DNS panel."""
        return txt_lines(self.name, self.value) if self.kind == "TXT" else [self.zone]


def txt_lines(name: str, value: str) -> list[str]:
    """A TXT record's zone-file line; for a value over 255 characters (cut into strings
    there, which a DNS panel would store with their quotes), also the value as one text."""
    lines = [zone_line(name, value)]
    if len(value) > 255:
        lines.append(f"; in a DNS panel, {name} TXT is this one text: {value}")
    return lines


@dataclass(frozen=True, slots=True)
class DnsAdvice:
    records: tuple[DnsRecord, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what to set up that is not a record


def dns_records(settings: Settings) -> DnsAdvice:
    """Every record the operator should publish for the configured lists: the DKIM keys'
    (read from the configured keys), an SPF suggestion for each envelope domain and a
    starting DMARC policy (p=none, with reports) for each From domain."""
    records: list[DnsRecord] = []
    warnings = list(alignment_warnings(settings))
    keys = []
    for load in _key_loaders(settings.dkim):
        try:
            keys.append(load())
        except DkimError as exc:
            warnings.append(f"no DKIM record: {exc}")
    if not settings.dkim.enabled:
        warnings.append("no DKIM record: set [dkim] domain, selector and key_file (digest dkim keygen makes a key)")
    records.extend(
        DnsRecord(key.record_name, "TXT", dns_value(key.private_key), f"DKIM public key ({key.algorithm})")
        for key in keys
    )
    from_domains = _unique(mailbox_address(entry.sender).rpartition("@")[2].lower() for entry in settings.lists)
    bounce = settings.delivery.bounce_address
    envelope_domains = [bounce.rpartition("@")[2].lower()] if bounce else from_domains
    relay = settings.smtp.host.strip("[]")
    address = _ip(relay)
    if address is not None and _on_this_network(address):
        # A relay on this machine or the LAN: the address mail leaves from is another one.
        spf = "v=spf1 mx ~all"
        spf_note = (
            f"SPF: the relay {relay} is a private address; add the public address your mail leaves "
            "from (ip4:/ip6:) or your provider's include:"
        )
    elif relay:
        mechanism = f"ip{address.version}:{relay}" if address is not None else f"a:{relay}"
        spf = f"v=spf1 mx {mechanism} ~all"
        spf_note = f"SPF: who may send for this envelope domain (the relay {relay}; add your provider's include:)"
    else:
        spf = "v=spf1 mx ~all"
        spf_note = (
            "SPF: no [smtp] host is set (the local capture server); add the host that sends, e.g. a:smtp.example.org"
        )
    records.extend(DnsRecord(domain, "TXT", spf, spf_note) for domain in envelope_domains if domain)
    notes: list[str] = []
    if bounce:
        domain = bounce.rpartition("@")[2].lower()
        if domain in from_domains:
            # The From domain's own mail must not go to the listener: route only this address.
            notes.append(
                f"route {bounce} (and {bounce.partition('@')[0]}+*@{domain}) to `digest bounces listen` in the mail "
                f"server of {domain}, or give bounces a subdomain of their own (bounces@bounces.{domain})"
            )
        else:
            records.append(
                DnsRecord(
                    domain,
                    "MX",
                    f"10 bounces-host.{domain}.",
                    f"route {domain} to the host running `digest bounces listen` (bounces-host is yours to name)",
                )
            )
    records.extend(
        DnsRecord(
            f"_dmarc.{domain}",
            "TXT",
            f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}; adkim=r; aspf=r",
            "DMARC: start at p=none and read the reports; then p=quarantine, then p=reject",
        )
        for domain in from_domains
    )
    return DnsAdvice(tuple(records), tuple(warnings), tuple(notes))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


_LAN = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def _on_this_network(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """This machine or its LAN: an address the rest of the internet never sees mail from."""
    lan = any(address.version == net.version and address in net for net in _LAN)
    return lan or address.is_loopback or address.is_link_local or address.is_unspecified


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
