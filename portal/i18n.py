"""Language choice: Vietnamese unless the user chose English (profile, or the switch on every page).

Message ids are the Vietnamese text itself, so Vietnamese needs no catalogue lookup to be right;
``translations/en`` holds the English catalogue, and a test fails when a message lacks English.

Which language a request gets:

* pages: the signed-in user's ``locale`` (kept in the database, so it follows them to every login
  and every browser), else the choice made in this browser before signing in (the session), else
  Vietnamese;
* the JSON API (``/api/``): an ``Accept-Language`` header naming a language the portal has, since
  the client says per request what it wants; without one, as for pages. Only messages (errors,
  labels) change; codes, field names and data stay the same in every language.

Form checks: WTForms' built-in messages ("This field is required.") come from its own catalogue,
which has no Vietnamese, so a Vietnamese page said it in English. ``FormMessages`` answers them
from the portal's catalogue instead (``use_portal_form_messages``, run before every request).

Official documents (PDF) are always Vietnamese whatever the reader's language: see
``docs/languages.md``.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_translations


def select_locale() -> str:
    languages = current_app.config["PORTAL_LANGUAGES"]
    if has_request_context():
        if request.path.startswith("/api/") and request.headers.get("Accept-Language"):
            asked = request.accept_languages.best_match(languages)
            if asked:
                return asked
        user = getattr(g, "api_user", None)
        if user is None:
            from flask_login import current_user

            user = current_user
        chosen = getattr(user, "locale", None) if getattr(user, "is_authenticated", False) else None
        chosen = chosen or session.get("locale")
        if chosen in languages:
            return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _(string: str) -> str:
    """The portal's catalogue, without %-formatting (WTForms formats the result itself)."""
    return get_translations().ugettext(string)


def ngettext(singular: str, plural: str, n: int) -> str:
    return get_translations().ungettext(singular, plural, n)


def _form_messages() -> dict[str, str]:
    """WTForms' English message -> the portal's message in the reader's language (same
    placeholders; WTForms fills them in)."""
    return {
        "This field is required.": _("Mục này là bắt buộc."),
        "Field must be between %(min)d and %(max)d characters long.": _("Cần từ %(min)d đến %(max)d ký tự."),
        "Number must be at least %(min)s.": _("Số phải từ %(min)s trở lên."),
        "Number must be at most %(max)s.": _("Số không được lớn hơn %(max)s."),
        "Number must be between %(min)s and %(max)s.": _("Số phải từ %(min)s đến %(max)s."),
        "Field must be equal to %(other_name)s.": _("Phải trùng với “%(other_label)s”."),
        "Invalid input.": _("Giá trị không hợp lệ."),
        "Invalid email address.": _("Địa chỉ thư điện tử không hợp lệ."),
        "Not a valid choice.": _("Lựa chọn không hợp lệ."),
        "Invalid Choice: could not coerce.": _("Lựa chọn không hợp lệ."),
        "Choices cannot be None.": _("Lựa chọn không hợp lệ."),
        "Invalid choice(s): one or more data inputs could not be coerced.": _("Có lựa chọn không hợp lệ."),
        "Not a valid integer value.": _("Cần một số nguyên."),
        "Not a valid decimal value.": _("Cần một số."),
        "Not a valid float value.": _("Cần một số."),
        "Not a valid date value.": _("Ngày không hợp lệ; hãy viết ngày/tháng/năm, ví dụ 05/01/2024."),
        "Not a valid datetime value.": _("Ngày giờ không hợp lệ."),
        "Not a valid time value.": _("Giờ không hợp lệ."),
    }


def _form_plurals(n: int) -> dict[str, str]:
    return {
        "Field must be at least %(min)d character long.": ngettext(
            "Cần ít nhất %(min)d ký tự.", "Cần ít nhất %(min)d ký tự.", n
        ),
        "Field cannot be longer than %(max)d character.": ngettext(
            "Dài tối đa %(max)d ký tự.", "Dài tối đa %(max)d ký tự.", n
        ),
        "Field must be exactly %(max)d character long.": ngettext(
            "Cần đúng %(max)d ký tự.", "Cần đúng %(max)d ký tự.", n
        ),
        "'%(value)s' is not a valid choice for this field.": ngettext(
            "“%(value)s” không phải là lựa chọn hợp lệ.", "“%(value)s” không phải là lựa chọn hợp lệ.", n
        ),
    }


class FormMessages:
    """WTForms' translations object (``ugettext``/``ungettext``) backed by the portal catalogue.
    A message the portal does not know is passed through unchanged."""

    def ugettext(self, string: str) -> str:
        return _form_messages().get(string, string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        found = _form_plurals(n).get(singular)
        if found is not None:
            return found
        return singular if n == 1 else plural

    gettext = ugettext
    ngettext = ungettext


def use_portal_form_messages() -> None:
    """Before each request: Flask-WTF looks for the request's WTForms translations in
    ``request.wtforms_translations`` before loading WTForms' own; put the portal's there."""
    request.wtforms_translations = FormMessages()
