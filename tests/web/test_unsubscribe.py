"""One-click unsubscribe (RFC 8058) against the real service: the URL comes from the
List-Unsubscribe header of a message the capture server received; a POST with
`List-Unsubscribe=One-Click` unsubscribes at once (2xx, no cookie, no redirect), a GET
only shows a page with one button, and the next send skips the reader."""

from __future__ import annotations

import base64

from digest.app.bounces import reactivate_subscriber
from digest.models import ChangeSource, SubscriberChange
from digest.subscribers import make_token
from tests.web.service import SECRET, unsubscribe_url

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_one_click_post_from_a_captured_message_unsubscribes_and_the_next_send_skips_the_reader(service):
    service.subscribe("ann@example.org", "bob@example.org")
    service.publish()
    url = unsubscribe_url(service.last_message_to("ann@example.org"))
    assert url.startswith(service.url + "/unsubscribe?token=")
    # The service's plain http link: the POST works, but only an https one is offered as one-click (RFC 8058).
    assert service.last_message_to("ann@example.org")["List-Unsubscribe-Post"] is None

    with service.client() as mail_provider:
        response = mail_provider.post(url, data=ONE_CLICK)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers and "location" not in response.headers
    assert "You are unsubscribed" in response.text
    assert service.status("ann@example.org") == "unsubscribed"
    [event] = [e for e in service.store.subscriber_history("ann@example.org") if e.list_name == "daily"][-1:]
    assert (event.change, event.source) == (SubscriberChange.UNSUBSCRIBED, ChangeSource.ONE_CLICK)

    before = len(service.smtp.accepted)
    service.publish(titles=("Next",))
    got = {a.recipient for a in service.smtp.accepted[before:]}
    assert "bob@example.org" in got and "ann@example.org" not in got


def test_multipart_one_click_as_rfc_8058_prefers_it(service):
    service.subscribe("multi@example.org")
    service.publish(titles=("Multipart",))
    url = unsubscribe_url(service.last_message_to("multi@example.org"))
    with service.client() as mail_provider:
        response = mail_provider.post(url, files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200 and service.status("multi@example.org") == "unsubscribed"


def test_a_get_shows_one_button_and_changes_nothing_and_the_button_unsubscribes(service):
    service.subscribe("carol@example.org")
    service.publish(titles=("Scanner",))
    url = unsubscribe_url(service.last_message_to("carol@example.org"))
    with service.client() as browser:
        for _ in range(3):  # a mail scanner fetching the link, more than once
            page = browser.get(url)
            assert page.status_code == 200
        assert service.status("carol@example.org") == "active"
        assert page.text.count("<button") == 1 and "carol@example.org" in page.text
        assert 'name="List-Unsubscribe" value="One-Click"' in page.text
        assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "same-origin"
        pressed = browser.post(url, data={**ONE_CLICK, "via": "page"})
    assert pressed.status_code == 200 and service.status("carol@example.org") == "unsubscribed"
    event = service.store.subscriber_history("carol@example.org")[-1]
    assert (event.change, event.source) == (SubscriberChange.UNSUBSCRIBED, ChangeSource.PAGE)


def test_replayed_one_click_is_harmless_and_records_one_change(service):
    service.subscribe("dave@example.org")
    service.publish(titles=("Replay",))
    url = unsubscribe_url(service.last_message_to("dave@example.org"))
    with service.client() as mail_provider:
        answers = [mail_provider.post(url, data=ONE_CLICK).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    changes = [e.change for e in service.store.subscriber_history("dave@example.org")]
    assert changes.count(SubscriberChange.UNSUBSCRIBED) == 1


def test_a_post_without_the_one_click_body_changes_nothing(service):
    service.subscribe("erin@example.org")
    service.publish(titles=("Body",))
    url = unsubscribe_url(service.last_message_to("erin@example.org"))
    with service.client() as client:
        for body in ({}, {"List-Unsubscribe": "yes"}, {"list-unsubscribe": "One-Click"}):
            assert client.post(url, data=body).status_code == 400
        assert (
            client.post(url, content=b"List-Unsubscribe=One-Click", headers={"content-type": "text/csv"}).status_code
            == 400
        )
    assert service.status("erin@example.org") == "active"


def _token(**claims) -> str:
    return make_token(**({"secret": SECRET, "list_name": "daily", "key": "frank@example.org", "version": 1} | claims))


def test_forged_altered_outdated_and_other_list_tokens_are_refused_alike(service):
    service.subscribe("frank@example.org")
    service.subscribe("frank@example.org", list_name="weekly")
    good = _token()
    mac = good.split(".")[1]
    altered = base64.urlsafe_b64encode(b'["daily","grace@example.org",1]').rstrip(b"=").decode() + "." + mac
    bad = {
        "forged": _token(secret="guessed"),
        "altered": altered,
        "truncated": good[:-3],
        "outdated": _token(version=0),
        "unknown list": _token(list_name="monthly"),
        "nobody": _token(key="nobody@example.org"),
        "empty": "",
        "garbage": "<script>alert(1)</script>",
    }
    with service.client() as client:
        bodies = set()
        for name, token in bad.items():
            for response in (
                client.get("/unsubscribe", params={"token": token}),
                client.post("/unsubscribe", params={"token": token}, data=ONE_CLICK),
            ):
                assert response.status_code == 400, name
                bodies.add(response.text)
        # A token for one list at the other list's own URL is another list's token.
        weekly = _token(list_name="weekly")
        assert client.post("/lists/daily/unsubscribe", params={"token": weekly}, data=ONE_CLICK).status_code == 400
        bodies.add(client.get("/lists/daily/unsubscribe", params={"token": weekly}).text)
        assert client.post("/lists/weekly/unsubscribe", params={"token": weekly}, data=ONE_CLICK).status_code == 200
    # One page for all of them: nothing tells whether an address is on a list.
    assert len(bodies) == 1 and "not valid" in bodies.pop()
    assert service.status("frank@example.org") == "active"
    assert service.status("frank@example.org", "weekly") == "unsubscribed"


def test_a_link_of_a_list_no_longer_in_the_config_still_unsubscribes_its_reader(service):
    """A list removed from the config keeps its readers in the store: the links they hold
    must still stop its mail (a list put back later would mail them again)."""
    service.subscribe("hal@example.org", list_name="retired")
    service.subscribe("hal@example.org", list_name="weekly")
    retired = _token(key="hal@example.org", list_name="retired")
    with service.client() as client:
        assert client.get("/lists/retired/unsubscribe", params={"token": retired}).status_code == 200
        done = client.post("/lists/retired/unsubscribe", params={"token": retired}, data=ONE_CLICK)
        assert done.status_code == 200 and "retired" in done.text
    assert service.status("hal@example.org", "retired") == "unsubscribed"
    assert service.status("hal@example.org", "weekly") == "active"


def test_a_link_outdated_by_a_resubscribe_is_refused(service):
    service.subscribe("gina@example.org")
    service.publish(titles=("Old link",))
    url = unsubscribe_url(service.last_message_to("gina@example.org"))
    with service.client() as client:
        assert client.post(url, data=ONE_CLICK).status_code == 200
        reactivate_subscriber(service.list(), "gina@example.org", store=service.store)  # back, at version 2
        assert client.post(url, data=ONE_CLICK).status_code == 400
    assert service.status("gina@example.org") == "active"
