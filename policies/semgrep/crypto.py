# Examples for crypto.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import hashlib
import random
import secrets
import string


def md5_password(password: str) -> str:
    # ruleid: gate.weak-password-hash
    return hashlib.md5(password.encode()).hexdigest()


def sha1_salted(user, salt: str) -> str:
    # ruleid: gate.weak-password-hash
    return hashlib.sha1(f"{salt}{user.password}".encode()).hexdigest()


def new_md5(pwd: bytes) -> str:
    # ruleid: gate.weak-password-hash
    return hashlib.new("md5", pwd).hexdigest()


def hash_password(value: str) -> str:
    # ruleid: gate.weak-password-hash
    digest = hashlib.md5(value.encode())
    return digest.hexdigest()


def update_style(new_password: str) -> str:
    h = hashlib.sha1()
    # ruleid: gate.weak-password-hash
    h.update(new_password.encode())
    return h.hexdigest()


def sha256_password(password: str) -> str:
    # ruleid: gate.weak-password-hash-fast-digest
    return hashlib.sha256(password.encode()).hexdigest()


def hash_passphrase(text: str) -> str:
    # ruleid: gate.weak-password-hash-fast-digest
    return hashlib.sha512(text.encode()).hexdigest()


def scrypt_password(password: str, salt: bytes) -> bytes:
    # ok: gate.weak-password-hash-fast-digest
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def pbkdf2_password(password: str, salt: bytes) -> bytes:
    # ok: gate.weak-password-hash-fast-digest
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def etag(body: bytes) -> str:
    # ok: gate.weak-password-hash
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def file_checksum(data: bytes) -> str:
    # ok: gate.weak-password-hash-fast-digest
    return hashlib.sha256(data).hexdigest()


def reset_token() -> str:
    # ruleid: gate.insecure-random-token
    return "".join(random.choice(string.ascii_letters) for _ in range(32))


def send_code(user) -> None:
    # ruleid: gate.insecure-random-token
    otp = random.randint(100000, 999999)
    user.notify(otp)


def new_session(user) -> None:
    # ruleid: gate.insecure-random-token
    user.session_id = str(random.getrandbits(64))


def good_token() -> str:
    # ok: gate.insecure-random-token
    return secrets.token_urlsafe(32)


def jitter() -> float:
    # ok: gate.insecure-random-token
    delay = random.uniform(0.1, 0.5)
    return delay


def pick_server(servers: list[str]) -> str:
    # ok: gate.insecure-random-token
    return random.choice(servers)


def password_reset_cache_key(user) -> str:
    # ok: gate.weak-password-hash
    return hashlib.md5(f"{user.pk}:{user.password_reset_sent_at}".encode()).hexdigest()


def is_pwned_password(password: str) -> bool:
    # ok: gate.weak-password-hash
    digest = hashlib.sha1(password.encode()).hexdigest().upper()
    return digest[5:] in range_api(digest[:5])


def gravatar_url(email: str) -> str:
    # ok: gate.weak-password-hash
    return "https://www.gravatar.com/avatar/" + hashlib.md5(email.lower().encode()).hexdigest()


def get_password_hash(raw: str) -> str:
    # ruleid: gate.weak-password-hash
    return hashlib.md5(raw.encode()).hexdigest()


def login(user, form) -> bool:
    # ruleid: gate.weak-password-hash
    return user.password_hash == hashlib.md5(form.password1.encode()).hexdigest()


def retry_delay(attempt: int) -> float:
    # ok: gate.insecure-random-token
    reset_delay = attempt * random.randint(1, 3)
    return reset_delay


def token_count() -> int:
    # ok: gate.insecure-random-token
    return random.randint(1, 10)


def generate_invite_code() -> str:
    # ruleid: gate.insecure-random-token
    return "".join(random.choices(string.digits, k=6))
