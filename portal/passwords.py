"""Password hashing with argon2id (argon2-cffi's tuned defaults) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher()
MIN_LENGTH = 8
# Verifying against this keeps the time of a login for an unknown user equal to a known one's.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def policy_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused, or ``None``."""
    if len(password) < MIN_LENGTH:
        return str(_l("Mật khẩu phải có ít nhất %(n)s ký tự.", n=MIN_LENGTH))
    if username and username.lower() in password.lower():
        return str(_l("Mật khẩu không được chứa tên đăng nhập."))
    if password.isdigit() or password.isalpha():
        return str(_l("Mật khẩu phải có cả chữ và số hoặc ký hiệu."))
    return None
