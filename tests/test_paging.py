"""Pagers rebuild the current URL from the query string; the query string must not reach
url_for's own parameters (``endpoint``, ``_scheme``, ``_external``) and turn a page into a 500."""

from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.fixture
def app_config():
    return {"PORTAL_PAGE_SIZE": 2}


@pytest.mark.parametrize("extra", ["endpoint=admin.users", "_scheme=ftp", "_external=1", "_anchor=x"])
def test_a_pager_ignores_url_for_options_in_the_query(client, world, extra):
    login(client, world.officer)
    page = client.get(f"/admin/units?province={world.laichau.id}&{extra}")
    assert page.status_code == 200
    assert "page=2" in page.get_data(as_text=True)


@pytest.mark.parametrize("extra", ["endpoint=admin.users", "_scheme=ftp"])
def test_the_dashboards_pagers_ignore_them_too(client, world, extra):
    login(client, world.officer)
    assert client.get(f"/dashboard?{extra}&bpage=1").status_code == 200
