"""The OpenAPI document describes what the API really sends (found by schemathesis)."""

from datetime import UTC, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiToken


def test_multipart_bodies_are_not_wrapped_twice(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {})
            assert "content" not in content, f"{method.upper()} {path}: requestBody.content.content"
            assert all("/" in media for media in content), f"{method.upper()} {path}: {list(content)}"


def test_timestamps_come_back_with_their_timezone(client, world, api_headers):
    """SQLite stores no offset; every datetime the portal reads must still be aware (UTC)."""
    headers = api_headers(world.officer)
    (token,) = client.get("/api/v1/tokens", headers=headers).get_json()
    assert datetime.fromisoformat(token["created_at"]).tzinfo is not None
    db.session.expire_all()
    stored = db.session.scalar(select(ApiToken.created_at))
    assert stored.tzinfo is not None and stored.utcoffset() == UTC.utcoffset(None)
