"""TOTP against the RFC 6238 appendix B vectors; scrypt hashing and the password policy."""

from __future__ import annotations

import pytest

from station.accounts import passwords, totp

SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("t", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc6238_appendix_b_vectors(t: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp.totp_at(SEEDS["SHA1"], t, 8, "SHA1") == sha1
    assert totp.totp_at(SEEDS["SHA256"], t, 8, "SHA256") == sha256
    assert totp.totp_at(SEEDS["SHA512"], t, 8, "SHA512") == sha512


def test_verify_accepts_one_step_of_drift_and_refuses_replay() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    code = totp.code_for(secret, now - 30)
    step = totp.verify(secret, code, now)
    assert step == int(now // 30) - 1
    assert totp.verify(secret, code, now, after_step=step) is None
    assert totp.verify(secret, totp.code_for(secret, now - 90), now) is None
    assert totp.verify(secret, "12345", now) is None and totp.verify(secret, "abcdef", now) is None


def test_provisioning_uri_carries_the_secret() -> None:
    uri = totp.provisioning_uri("ABCDEFGH", "officer1")
    assert uri.startswith("otpauth://totp/BookingStation%3Aofficer1?secret=ABCDEFGH")


def test_scrypt_hash_round_trip_with_stated_parameters() -> None:
    stored = passwords.hash_password("correct horse battery")
    scheme, log2_n, r, p, _salt, _digest = stored.split("$")
    assert (scheme, log2_n, r, p) == ("scrypt", "15", "8", "1")
    assert passwords.verify_password("correct horse battery", stored)
    assert not passwords.verify_password("correct horse batterx", stored)
    assert not passwords.verify_password("x", "garbage")
    assert passwords.hash_password("same password") != passwords.hash_password("same password")  # salted


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "characters"),
        ("Password123", "common passwords"),
        ("aaaaaaaaaa", "repeats"),
        ("abababababab", "repeats"),
        ("xx-officer7-xx", "user name"),
        ("12345678901", "sequence"),
        ("defghijklm", "sequence"),
    ],
)
def test_policy_refuses_weak_passwords(password: str, reason: str) -> None:
    with pytest.raises(passwords.WeakPasswordError, match=reason):
        passwords.check_policy(password, "officer7")


def test_policy_accepts_a_passphrase() -> None:
    passwords.check_policy("blue kettle on the stove", "officer7")
