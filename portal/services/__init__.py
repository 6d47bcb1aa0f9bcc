"""Business operations shared by the web pages and the JSON API.

A service checks the rules that forms cannot (uniqueness, scope, consistency between objects),
changes the session and flushes; the caller commits. Problems raise ``ServiceError`` with a
Vietnamese message and, when it concerns one input, the field name.
"""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status

    @property
    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}
