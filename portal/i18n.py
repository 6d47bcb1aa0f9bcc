"""Language choice: Vietnamese unless the user chose English (profile, or the switch in the menu).

Message ids are the Vietnamese text itself, so Vietnamese needs no catalogue lookup to be right;
``translations/en`` holds the English catalogue, and a test fails when a message lacks English.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, session


def select_locale() -> str:
    languages = current_app.config["PORTAL_LANGUAGES"]
    if has_request_context():
        user = getattr(g, "api_user", None)
        if user is None:
            from flask_login import current_user

            user = current_user
        chosen = getattr(user, "locale", None) if getattr(user, "is_authenticated", False) else None
        chosen = chosen or session.get("locale")
        if chosen in languages:
            return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
