"""Subscribing with double opt-in against the real service: the form sends a
confirmation message through the same sending code (captured by the SMTP server), its
link shows a page and the button makes the reader active, and the next send includes
them. The form answers the same for a new, a waiting and a subscribed address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest.app.subscribing import confirm_subscription
from digest.app.web import epoch_seconds
from digest.models import ChangeSource, SubscriberChange, SubscriberStatus
from digest.tokens import TokenExpired, make_confirm_token
from tests.web.service import SECRET, confirm_url, form_token


def _subscribe(client, email: str, *, name: str = "", list_name: str = "daily", **extra: str):
    form = client.get(f"/lists/{list_name}/subscribe")
    assert form.status_code == 200
    return client.post(
        f"/lists/{list_name}/subscribe",
        data={"form_token": form_token(form.text), "email": email, "name": name, "website": "", **extra},
    )


def _confirm(client, url: str):
    page = client.get(url)
    assert page.status_code == 200, page.text
    return page, client.post(url, data={"form_token": form_token(page.text)})


def test_subscribe_confirm_by_the_link_in_the_message_then_the_next_send_includes_the_reader(service):
    with service.client() as browser:
        answer = _subscribe(browser, "Hana@Example.org", name="Hana Ito")
        assert answer.status_code == 200 and "Check your inbox" in answer.text
        assert service.status("hana@example.org") is None  # not on the list before the link

        message = service.last_message_to("Hana@example.org")
        assert message["Subject"] == "Confirm your subscription to The Daily"
        assert message["From"] == "The Daily <digest@example.org>" and message["To"] == "Hana@example.org"
        url = confirm_url(message)
        assert url.startswith(service.url + "/confirm?token=")

        page, done = _confirm(browser, url)
        assert "Hana@example.org" in page.text and page.text.count("<button") == 1
        assert done.status_code == 200 and "You are subscribed" in done.text
    assert service.status("hana@example.org") == "active"
    assert service.store.subscriber("daily", "hana@example.org").name == "Hana Ito"
    history = [(e.change, e.source) for e in service.store.subscriber_history("hana@example.org")]
    assert history == [
        (SubscriberChange.CONFIRMATION_SENT, ChangeSource.PAGE),
        (SubscriberChange.SUBSCRIBED, ChangeSource.EMAIL_CONFIRMATION),
    ]

    before = len(service.smtp.accepted)
    service.publish(titles=("Welcome",))
    assert "Hana@example.org" in {a.recipient for a in service.smtp.accepted[before:]}


def test_the_answer_is_the_same_for_a_new_a_waiting_and_a_subscribed_address(service):
    service.subscribe("member@example.org")
    with service.client() as browser:
        bodies = {who: _subscribe(browser, f"{who}@example.org").text for who in ("newcomer", "member", "newcomer")}
    assert len(set(bodies.values())) == 1
    # Each got a confirmation message: the subscribed reader's link confirms nothing new.
    assert len(service.messages_to("newcomer@example.org")) == 2
    with service.client() as browser:
        _, done = _confirm(browser, confirm_url(service.last_message_to("member@example.org")))
    assert "already receives" in done.text and service.status("member@example.org") == "active"


def test_a_scanner_fetching_the_confirmation_link_subscribes_nobody(service):
    with service.client() as browser:
        _subscribe(browser, "scanned@example.org")
        url = confirm_url(service.last_message_to("scanned@example.org"))
        for _ in range(3):
            assert browser.get(url).status_code == 200
    assert service.status("scanned@example.org") is None


def test_a_used_confirmation_link_does_not_undo_a_later_unsubscribe(service):
    with service.client() as browser:
        _subscribe(browser, "ivy@example.org")
        url = confirm_url(service.last_message_to("ivy@example.org"))
        _confirm(browser, url)
        assert service.status("ivy@example.org") == "active"
        from digest.app import unsubscribe_subscriber

        unsubscribe_subscriber(service.list(), "ivy@example.org", store=service.store)
        page = browser.get(url)  # said at once, not after a button that cannot work
        token = form_token(browser.get("/lists/daily/subscribe").text)
        again = browser.post(url, data={"form_token": token})
    assert page.status_code == 410 and "has been used" in page.text and "<button" not in page.text
    assert again.status_code == 410 and "has been used" in again.text
    assert service.status("ivy@example.org") == "unsubscribed"


def test_a_confirmation_link_opened_again_after_it_was_followed_says_it_was_used(service):
    with service.client() as browser:
        _subscribe(browser, "ivo@example.org")
        url = confirm_url(service.last_message_to("ivo@example.org"))
        _confirm(browser, url)
        page = browser.get(url)
    assert page.status_code == 410 and "has been used" in page.text
    assert service.status("ivo@example.org") == "active"


def test_an_unsubscribed_reader_comes_back_through_the_form(service):
    service.subscribe("jon@example.org")
    from digest.app import unsubscribe_subscriber

    unsubscribe_subscriber(service.list(), "jon@example.org", store=service.store)
    with service.client() as browser:
        _subscribe(browser, "jon@example.org")
        _, done = _confirm(browser, confirm_url(service.last_message_to("jon@example.org")))
    assert done.status_code == 200 and service.status("jon@example.org") == "active"
    assert service.store.subscriber_history("jon@example.org")[-1].change is SubscriberChange.RESUBSCRIBED


def test_confirmation_links_expire(service):
    old = make_confirm_token(
        secret=SECRET,
        list_name="daily",
        email="kim@example.org",
        name="",
        version=0,
        issued_at=epoch_seconds() - 49 * 3600,
    )
    with service.client() as browser:
        page = browser.get("/confirm", params={"token": old})
        assert page.status_code == 410 and "expired" in page.text
    fresh = make_confirm_token(
        secret=SECRET, list_name="daily", email="kim@example.org", name="", version=0, issued_at=epoch_seconds()
    )
    later = datetime.now(UTC) + timedelta(hours=48, minutes=1)
    with pytest.raises(TokenExpired):
        confirm_subscription(service.settings, fresh, store=service.store, now=later)
    assert service.status("kim@example.org") is None


def test_a_bad_address_is_shown_again_escaped_with_a_reason(service):
    with service.client() as browser:
        answer = _subscribe(browser, '"><script>alert(1)</script>', name="<b>x</b>")
    assert answer.status_code == 400
    assert "<script>alert(1)" not in answer.text and "&lt;script&gt;alert(1)" in answer.text
    assert "<b>x</b>" not in answer.text and "not an email address" in answer.text


def test_the_honeypot_catches_a_bot_with_the_same_answer_and_no_message(service):
    with service.client() as bot:
        trapped = _subscribe(bot, "bot-victim@example.org", website="http://spam.example")
    with service.client() as person:
        real = _subscribe(person, "person@example.org")
    assert trapped.status_code == 200 and trapped.text == real.text
    assert service.messages_to("bot-victim@example.org") == []


def test_an_address_gets_at_most_its_limit_of_confirmation_messages_an_hour(service):
    with service.client() as browser:
        answers = [_subscribe(browser, "flooded@example.org") for _ in range(6)]
    assert {a.status_code for a in answers} == {200} and len({a.text for a in answers}) == 1
    assert len(service.messages_to("flooded@example.org")) == service.settings.web.address_limit == 3


def test_a_subscribe_form_for_a_list_not_served_is_not_found(service):
    with service.client() as browser:
        assert browser.get("/lists/monthly/subscribe").status_code == 404
        assert browser.post("/lists/monthly/subscribe", data={"email": "a@example.org"}).status_code == 404


def test_the_confirmation_message_carries_nothing_typed_into_the_form_but_the_address(service):
    name = "your parcel is held: pay at https://evil.example/p <script>\r\nBcc: victim@example.org"
    with service.client() as browser:
        answer = _subscribe(browser, "lee@example.org", name=name)
    assert answer.status_code == 200
    message = service.last_message_to("lee@example.org")
    [accepted] = [a for a in service.smtp.accepted if a.recipient == "lee@example.org"]
    assert b"Bcc" not in accepted.data and b"victim" not in accepted.data and b"evil" not in accepted.data
    assert b"parcel" not in accepted.data and b"<script" not in accepted.data
    assert message.get_body(("plain",)).get_content().startswith("Hello,")
    # The name is kept in the link: it is the reader's once they confirm.
    with service.client() as browser:
        page = browser.get(confirm_url(message))
        browser.post(confirm_url(message), data={"form_token": form_token(page.text)})
    assert service.store.subscriber("daily", "lee@example.org").name.startswith("your parcel is held")


def _stop(service, email: str, status: SubscriberStatus, source: ChangeSource, list_name: str = "daily") -> None:
    service.store.set_subscriber_status(
        list_name, email, status, at=datetime.now(UTC), source=source, detail="5.1.1 user unknown"
    )


def test_an_address_that_bounced_or_complained_gets_no_confirmation_message(service):
    """Mail stopped by a bounce (on any list) or a complaint (on this list) is never
    restarted from the form: the answer is the same, and nothing is sent."""
    service.subscribe("gone@example.org", "spam@example.org", "left@example.org", "elsewhere@example.org")
    service.subscribe("elsewhere@example.org", list_name="weekly")
    _stop(service, "gone@example.org", SubscriberStatus.BOUNCED, ChangeSource.BOUNCE)
    _stop(service, "spam@example.org", SubscriberStatus.UNSUBSCRIBED, ChangeSource.COMPLAINT)
    _stop(service, "left@example.org", SubscriberStatus.UNSUBSCRIBED, ChangeSource.PAGE)
    _stop(service, "elsewhere@example.org", SubscriberStatus.BOUNCED, ChangeSource.BOUNCE, list_name="weekly")
    with service.client() as browser:
        answers = {who: _subscribe(browser, f"{who}@example.org").text for who in ("gone", "spam", "left", "elsewhere")}
    assert len(set(answers.values())) == 1
    assert service.messages_to("gone@example.org") == [] and service.messages_to("spam@example.org") == []
    assert service.messages_to("elsewhere@example.org") == []  # its mailbox bounced on the weekly list
    assert len(service.messages_to("left@example.org")) == 1  # an unsubscribe by the reader is theirs to undo
    assert service.status("gone@example.org") == "bounced" and service.status("spam@example.org") == "unsubscribed"


def test_a_confirmation_link_followed_after_a_bounce_does_not_restart_the_address(service):
    with service.client() as browser:
        _subscribe(browser, "late@example.org")
        url = confirm_url(service.last_message_to("late@example.org"))
        _confirm(browser, url)
        service.store.set_subscriber_status(
            "daily", "late@example.org", SubscriberStatus.UNSUBSCRIBED, at=datetime.now(UTC), source=ChangeSource.PAGE
        )
        _subscribe(browser, "late@example.org")
        again = confirm_url(service.last_message_to("late@example.org"))
        _stop(service, "late@example.org", SubscriberStatus.BOUNCED, ChangeSource.BOUNCE)
        page = browser.get(again)
        done = browser.post(again, data={"form_token": form_token(page.text)})
    assert done.status_code == 409 and "cannot be restarted here" in done.text
    assert service.status("late@example.org") == "bounced"
