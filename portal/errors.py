"""Errors: a Vietnamese page for people, ``{"error": {code, message, fields}}`` for the API.

No request ever ends in a traceback: unexpected exceptions are logged and answered with a 500 page
or JSON body that says nothing internal.
"""

from __future__ import annotations

import errno
import sqlite3

from flask import Flask, current_app, g, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.plugins import MissingPluginError

# Stable machine codes for the API, by HTTP status.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def messages() -> dict[int, str]:
    return {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Cần đăng nhập để tiếp tục."),
        403: _("Bạn không có quyền thực hiện thao tác này."),
        404: _("Không tìm thấy trang hoặc dữ liệu yêu cầu."),
        405: _("Phương thức không được hỗ trợ."),
        409: _("Dữ liệu đã bị thay đổi hoặc bị trùng."),
        413: _("Tệp gửi lên quá lớn; mỗi lần gửi tối đa %(limit)s MB.",
               limit=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)),
        415: _("Định dạng dữ liệu không được hỗ trợ."),
        422: _("Dữ liệu chưa hợp lệ."),
        429: _("Thao tác quá nhiều lần. Vui lòng thử lại sau ít phút."),
        500: _("Đã xảy ra lỗi hệ thống. Vui lòng thử lại; nếu lỗi lặp lại, hãy báo quản trị viên."),
        503: _("Hệ thống tạm thời không sẵn sàng. Vui lòng thử lại sau."),
    }


# How long a client should wait before trying again when the database does not answer.
DATABASE_RETRY_AFTER = 60


def database_unavailable_message() -> str:
    return _("Hệ thống tạm thời không kết nối được cơ sở dữ liệu, vui lòng thử lại sau ít phút.")


def storage_full_message() -> str:
    return _("Máy chủ đã hết dung lượng lưu trữ nên chưa lưu được tệp. Hãy báo quản trị viên.")


def is_storage_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


# SQLite raises OperationalError for a lock or an unreadable file, but also for a statement it
# cannot run (no such column, syntax): only these messages mean "unavailable, try again".
SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "disk is full", "readonly database")


def is_database_unavailable(exc: BaseException) -> bool:
    """The database did not answer (refused, went away, locked past the wait), as opposed to a
    statement it refused (a constraint or a bad statement: a bug, answered 500)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError) and isinstance(exc.orig, sqlite3.OperationalError):
        return any(word in str(exc.orig).lower() for word in SQLITE_UNAVAILABLE)
    return isinstance(exc, (OperationalError, InterfaceError))


class ApiError(Exception):
    """Raised by API views: ``ApiError(422, "validation_error", "…", fields={...})``."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None, fields=None,
                 rows=None):
        super().__init__(message or code)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message or messages().get(status, "")
        self.fields = fields or {}
        self.rows = rows


def api_error_response(status: int, code: str | None = None, message: str | None = None, fields=None,
                       rows=None):
    """The one error shape. ``rows`` (an import's per-row problems) rides inside it, so every
    4xx body reads the same way."""
    error = {
        "code": code or STATUS_CODES.get(status, "error"),
        "message": message or messages().get(status, ""),
        "fields": fields or {},
    }
    if rows is not None:
        error["rows"] = rows
    return jsonify({"error": error}), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return api_error_response(exc.status, exc.code, exc.message, exc.fields, exc.rows)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if _wants_json():
            response = api_error_response(status)
        else:
            response = (
                render_template("error.html", status=status, message=messages().get(status, exc.name)),
                status,
            )
        allow = [(k, v) for k, v in exc.get_headers() if k == "Allow"]
        return (*response, allow) if allow else response

    @app.errorhandler(MissingPluginError)
    def _missing_plugin(exc: MissingPluginError):
        message = _(
            "Tỉnh đang bật plugin chưa được cài đặt: %(names)s. Hãy cài đặt plugin hoặc tắt nó "
            "trong trang quản trị tỉnh.",
            names=", ".join(exc.names),
        )
        app.logger.error("missing plugin: %s", exc.names)
        if _wants_json():
            return api_error_response(503, "plugin_missing", message)
        return render_template("error.html", status=503, message=message), 503

    @app.errorhandler(DBAPIError)
    def _database_down(exc: DBAPIError):
        """503 with Retry-After, and the request's transaction rolled back: nothing half written.

        The answer itself must not need the database: the signed-in user (page or API token) may
        be unloaded or expired by the rollback, so the page is rendered for an anonymous visitor
        in the language that user had chosen, read from what is already in memory."""
        if not is_database_unavailable(exc):
            return _unexpected(exc)
        app.logger.error(
            "database unavailable: %s (%s)", exc.__class__.__name__, type(exc.orig).__name__
        )
        locale = _locale_without_database()
        _rollback_quietly()
        from portal.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        g.api_user = None
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
        with force_locale(locale):
            message = database_unavailable_message()
            if _wants_json():
                body, status = api_error_response(503, "database_unavailable", message)
                return body, status, headers
            return render_template("error.html", status=503, message=message), 503, headers

    @app.errorhandler(OSError)
    def _storage_full(exc: OSError):
        """A full disk or quota (an upload, an import waiting for confirmation, a spooled
        request body) is 507 with a clear message; views remove what they had half written."""
        if not is_storage_full(exc):
            return _unexpected(exc)
        app.logger.error("storage full: %s", exc.strerror)
        _rollback_quietly()
        if _wants_json():
            return api_error_response(507, "insufficient_storage", storage_full_message())
        return render_template("error.html", status=507, message=storage_full_message()), 507

    def _locale_without_database() -> str:
        languages = app.config["PORTAL_LANGUAGES"]
        for user in (g.get("api_user"), g.get("_login_user")):
            chosen = getattr(user, "__dict__", {}).get("locale")  # loaded already, or nothing
            if chosen in languages:
                return chosen
        chosen = session.get("locale")
        return chosen if chosen in languages else app.config["BABEL_DEFAULT_LOCALE"]

    def _rollback_quietly() -> None:
        from portal.extensions import db

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; dropping the session is enough
            app.logger.warning("rollback after a database error failed; session discarded")
            db.session.remove()

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        from portal.extensions import db

        db.session.rollback()
        if _wants_json():
            return api_error_response(500)
        return render_template("error.html", status=500, message=messages()[500]), 500
