"""Errors: a Vietnamese page for people, ``{"error": {code, message, fields}}`` for the API.

No request ever ends in a traceback: unexpected exceptions are logged and answered with a 500 page
or JSON body that says nothing internal.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
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
        413: _("Tệp gửi lên quá lớn."),
        415: _("Định dạng dữ liệu không được hỗ trợ."),
        422: _("Dữ liệu chưa hợp lệ."),
        429: _("Thao tác quá nhiều lần. Vui lòng thử lại sau ít phút."),
        500: _("Đã xảy ra lỗi hệ thống. Vui lòng thử lại; nếu lỗi lặp lại, hãy báo quản trị viên."),
        503: _("Hệ thống tạm thời không sẵn sàng. Vui lòng thử lại sau."),
    }


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

    @app.errorhandler(OperationalError)
    def _database_down(exc):
        app.logger.error("database error: %s", exc.__class__.__name__)
        from portal.extensions import db

        db.session.rollback()
        if _wants_json():
            return api_error_response(503)
        return render_template("error.html", status=503, message=messages()[503]), 503

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        from portal.extensions import db

        db.session.rollback()
        if _wants_json():
            return api_error_response(500)
        return render_template("error.html", status=500, message=messages()[500]), 500
