"""What a clerk types into a search box is searched for as it is (issue 13): ``%`` and ``_`` are characters,
not LIKE wildcards that match everything."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login


@pytest.mark.parametrize("path, link, typed", [
    ("/users", r'href="/users/\d+"', ("%", "%%", "%a", "a%b")),  # usernames hold "_", so "_" finds some
    ("/departments", r'href="/departments/\d+"', ("%", "_", "%局", "云川_")),
])
def test_wildcards_in_a_search_are_plain_characters(client, path, link, typed):
    login(client, "admin")
    everything = client.get(path)
    assert everything.status_code == 200 and len(re.findall(link, everything.text)) > 1
    for text in typed:
        found = client.get(path, params={"q": text})
        assert found.status_code == 200
        assert re.findall(link, found.text) == [], (path, text)
    some = client.get(path, params={"q": "云川" if path != "/users" else "a"})
    assert re.findall(link, some.text)  # plain words still find
