"""Pages for printed documents: the issued documents, downloads and previews, the public
``/verify/<fingerprint>`` check, and each province's layout gallery ("Mẫu văn bản")."""

from flask import Blueprint

bp = Blueprint("documents", __name__)

from portal.document_pages import views  # noqa: E402,F401
