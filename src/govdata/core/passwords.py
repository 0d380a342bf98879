"""Password hashing (argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from govdata.core.errors import FieldError, Invalid

_hasher = PasswordHasher()

MIN_LENGTH = 10
COMMON = {"password", "passw0rd", "12345678", "123456789", "qwertyuiop", "admin123", "abc12345", "1qaz2wsx"}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def policy_problems(password: str, username: str = "") -> list[str]:
    """Chinese descriptions of each way ``password`` breaks the policy; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"长度至少{MIN_LENGTH}位")
    if len(password) > 128:
        problems.append("长度不超过128位")
    if not any(c.isupper() for c in password):
        problems.append("需包含大写字母")
    if not any(c.islower() for c in password):
        problems.append("需包含小写字母")
    if not any(c.isdigit() for c in password):
        problems.append("需包含数字")
    if not any(not c.isalnum() for c in password):
        problems.append("需包含符号")
    if username and username.lower() in password.lower():
        problems.append("不得包含用户名")
    if password.lower() in COMMON:
        problems.append("不得使用常见密码")
    return problems


def check_policy(password: str, username: str = "", field: str = "password") -> None:
    problems = policy_problems(password, username)
    if problems:
        raise Invalid([FieldError(field, "weak_password", "、".join(problems))], code="weak_password",
                      detail="密码不符合安全策略：" + "、".join(problems),
                      detail_en="Password must have at least 10 characters with upper and lower case letters, "
                                "a digit and a symbol, and must not contain the username")
