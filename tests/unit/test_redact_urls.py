from __future__ import annotations

import pytest

from digest.urls import redact_urls


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("fetch https://u:pw@x.org/a?token=1: HTTP 404", "fetch https://u:***@x.org/a?token=***: HTTP 404"),
        ("see http://y.org/b.", "see http://y.org/b."),
        ("(http://z.org/c?key=9), then", "(http://z.org/c?key=***), then"),
        ("https://x.org/a?sig=abc;", "https://x.org/a?sig=***;"),
        ("no url here: fine.", "no url here: fine."),
    ],
)
def test_punctuation_after_a_url_stays_and_the_secret_goes(text, shown):
    assert redact_urls(text) == shown
