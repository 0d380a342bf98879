"""No dead ends on a grant's page (issue 13): a grant past its end, or revoked, offers no 修改授权条件 form —
it says why — and the service refuses the change all the same."""

from __future__ import annotations

import datetime as dt

from tests.conftest import csrf_from, login
from tests.sharing.test_usage import grant_row


def test_an_expired_grant_offers_no_change_of_terms(shared):
    client = shared.client
    past = dt.date.today() - dt.timedelta(days=2)
    expired = grant_row(client, shared.code, shared.consumer["id"], valid_until=past)
    current = grant_row(client, shared.code, shared.consumer["id"])
    login(client, "ps_manager")  # the provider's data manager, who may change the terms of a grant in force

    page = client.get(f"/sharing/grants/{current}")
    assert 'data-testid="terms-form"' in page.text and 'data-testid="terms-closed"' not in page.text

    page = client.get(f"/sharing/grants/{expired}")
    assert page.status_code == 200 and "已到期" in page.text
    assert 'data-testid="terms-form"' not in page.text and "修改授权条件" not in page.text
    assert "重新申请" in page.text  # what to do instead

    refused = client.post(f"/sharing/grants/{expired}/terms", data={
        "csrf_token": csrf_from(page.text), "items": ["id_number", "name"], "daily_quota": "300"})
    assert refused.status_code == 409 and "授权已到期" in refused.text
    assert refused.text.count("授权已到期，不能再修改授权条件") == 1
