"""Preferences from a signed link: the lists the reader is on, leaving one or all of
them, coming back, and the name, each change recorded with its source."""

from __future__ import annotations

import re

from digest.app.web import epoch_seconds
from digest.models import ChangeSource, SubscriberChange
from digest.tokens import make_preferences_token
from tests.web.service import SECRET, confirm_url, form_token, unsubscribe_url


def _link(key: str, *, age: int = 0) -> str:
    token = make_preferences_token(secret=SECRET, key=key, issued_at=epoch_seconds() - age)
    return f"/preferences?token={token}"


def _change(client, link: str, **fields: str):
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={"form_token": form_token(page.text), **fields})


def test_the_unsubscribe_page_leads_to_preferences_with_every_list_of_the_reader(service):
    service.subscribe("pat@example.org", name="Pat")
    service.subscribe("pat@example.org", list_name="weekly", name="Pat")
    service.publish(titles=("Prefs",))
    with service.client() as browser:
        page = browser.get(unsubscribe_url(service.last_message_to("pat@example.org")))
        link = re.search(r'href="([^"]+/preferences\?token=[^"]+)"', page.text).group(1)
        prefs = browser.get(link)
    assert prefs.status_code == 200
    assert "The Daily" in prefs.text and "The Weekly" in prefs.text and "pat@example.org" in prefs.text
    assert prefs.headers["cache-control"] == "no-store"


def test_unsubscribe_one_resubscribe_unsubscribe_all_and_rename(service):
    service.subscribe("quinn@example.org", name="Quinn")
    service.subscribe("quinn@example.org", list_name="weekly", name="Quinn")
    link = _link("quinn@example.org")
    with service.client() as browser:
        done = _change(browser, link, action="unsubscribe", list="weekly")
        assert done.status_code == 200 and "unsubscribed from that list" in done.text
        assert (service.status("quinn@example.org"), service.status("quinn@example.org", "weekly")) == (
            "active",
            "unsubscribed",
        )
        assert "Subscribe again" in done.text
        again = _change(browser, link, action="resubscribe", list="weekly")
        assert again.status_code == 200 and "We sent you a message" in again.text
        # Only the mailbox brings the reader back: the link in the message it got.
        assert service.status("quinn@example.org", "weekly") == "unsubscribed"
        _confirm(browser, confirm_url(service.last_message_to("quinn@example.org")))
        assert service.status("quinn@example.org", "weekly") == "active"
        _change(browser, link, action="unsubscribe-all")
        assert {service.status("quinn@example.org", n) for n in ("daily", "weekly")} == {"unsubscribed"}
        renamed = _change(browser, link, action="rename", name="<img src=x onerror=alert(1)> Quinn\r\nBcc: x")
    assert "<img" not in renamed.text and "&lt;img src=x onerror=alert(1)&gt; Quinn  Bcc: x" in renamed.text
    # Kept as typed but for the line break, which cannot reach a header.
    assert service.store.subscriber("weekly", "quinn@example.org").name == "<img src=x onerror=alert(1)> Quinn  Bcc: x"
    history = [(e.list_name, e.change, e.source) for e in service.store.subscriber_history("quinn@example.org")]
    assert (("weekly", SubscriberChange.UNSUBSCRIBED, ChangeSource.PAGE)) in history
    assert (("weekly", SubscriberChange.CONFIRMATION_SENT, ChangeSource.PAGE)) in history
    assert (("weekly", SubscriberChange.RESUBSCRIBED, ChangeSource.EMAIL_CONFIRMATION)) in history
    assert (("daily", SubscriberChange.RENAMED, ChangeSource.PAGE)) in history


def test_resubscribing_outdates_the_unsubscribe_links_sent_before(service):
    service.subscribe("rae@example.org")
    service.publish(titles=("Before",))
    old = unsubscribe_url(service.last_message_to("rae@example.org"))
    with service.client() as browser:
        assert browser.post(old, data={"List-Unsubscribe": "One-Click"}).status_code == 200
        _change(browser, _link("rae@example.org"), action="resubscribe", list="daily")
        _confirm(browser, confirm_url(service.last_message_to("rae@example.org")))
        assert browser.post(old, data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert service.status("rae@example.org") == "active"


def _confirm(client, url: str) -> None:
    page = client.get(url)
    assert client.post(url, data={"form_token": form_token(page.text)}).status_code == 200


def test_someone_holding_an_old_copy_cannot_put_a_reader_who_left_back_on_the_list(service):
    service.subscribe("vic@example.org")
    service.publish(titles=("Old copy",))
    old_copy = unsubscribe_url(service.last_message_to("vic@example.org"))
    with service.client() as reader:
        assert reader.post(old_copy, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    before = len(service.messages_to("vic@example.org"))
    with service.client() as stranger:
        page = stranger.get(old_copy)
        link = re.search(r'href="([^"]+/preferences\?token=[^"]+)"', page.text).group(1)
        assert _change(stranger, link, action="resubscribe", list="daily").status_code == 200
    assert service.status("vic@example.org") == "unsubscribed"
    # The mailbox got a confirmation link, which the stranger does not see.
    assert len(service.messages_to("vic@example.org")) == before + 1
    assert "/confirm?token=" in service.last_message_to("vic@example.org").get_body(("plain",)).get_content()


def test_a_list_the_reader_is_not_on_and_an_unknown_change_are_refused(service):
    service.subscribe("sam@example.org")
    link = _link("sam@example.org")
    with service.client() as browser:
        assert _change(browser, link, action="resubscribe", list="weekly").status_code == 404
        assert _change(browser, link, action="delete-everything").status_code == 400
    assert service.status("sam@example.org", "weekly") is None


def test_expired_forged_and_unknown_preferences_links(service):
    with service.client() as browser:
        assert browser.get(_link("tia@example.org", age=31 * 86400)).status_code == 410
        forged = make_preferences_token(secret="guessed", key="tia@example.org", issued_at=epoch_seconds())
        assert browser.get(f"/preferences?token={forged}").status_code == 400
        nobody = browser.get(_link("nobody@example.org"))
    assert nobody.status_code == 200 and "on no list" in nobody.text


def test_a_list_where_the_address_bounced_cannot_be_restarted_from_preferences(service):
    from datetime import UTC, datetime

    from digest.models import SubscriberStatus

    service.subscribe("rhea@example.org")
    service.subscribe("rhea@example.org", list_name="weekly")
    service.store.set_subscriber_status(
        "daily", "rhea@example.org", SubscriberStatus.BOUNCED, at=datetime.now(UTC), source=ChangeSource.BOUNCE
    )
    service.store.set_subscriber_status(
        "weekly", "rhea@example.org", SubscriberStatus.UNSUBSCRIBED, at=datetime.now(UTC), source=ChangeSource.PAGE
    )
    link = _link("rhea@example.org")
    with service.client() as browser:
        page = browser.get(link)
        assert "only the list's owner can restart it" in page.text and "Subscribe again" not in page.text
        refused = _change(browser, link, action="resubscribe", list="daily")
        assert refused.status_code == 409 and "cannot be restarted here" in refused.text
        # The weekly list was left by the reader, but the mailbox bounced: no way back there either.
        assert _change(browser, link, action="resubscribe", list="weekly").status_code == 409
    assert (service.status("rhea@example.org"), service.status("rhea@example.org", "weekly")) == (
        "bounced",
        "unsubscribed",
    )


def test_leaving_a_list_where_the_address_bounced_keeps_the_bounce(service):
    from datetime import UTC, datetime

    from digest.models import SubscriberStatus

    service.subscribe("uma@example.org")
    service.publish(titles=("Bounced",))
    one_click = unsubscribe_url(service.last_message_to("uma@example.org"))
    service.store.set_subscriber_status(
        "daily", "uma@example.org", SubscriberStatus.BOUNCED, at=datetime.now(UTC), source=ChangeSource.BOUNCE
    )
    link = _link("uma@example.org")
    with service.client() as browser:
        # The reader leaves (a one-click unsubscribe, then the page's buttons), then tries to come back.
        assert browser.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
        assert _change(browser, link, action="unsubscribe", list="daily").status_code == 200
        assert _change(browser, link, action="unsubscribe-all").status_code == 200
        assert _change(browser, link, action="resubscribe", list="daily").status_code == 409
    assert service.status("uma@example.org") == "bounced"
    changes = [(e.change, e.source) for e in service.store.subscriber_history("uma@example.org")]
    assert changes[-1] == (SubscriberChange.BOUNCED, ChangeSource.BOUNCE)


def test_unsubscribe_all_covers_a_list_no_longer_served_too(service):
    service.subscribe("ivy@example.org")
    service.subscribe("ivy@example.org", list_name="retired")
    with service.client() as browser:
        assert _change(browser, _link("ivy@example.org"), action="unsubscribe-all").status_code == 200
    assert {service.status("ivy@example.org", n) for n in ("daily", "retired")} == {"unsubscribed"}
