# Examples for http.yaml: lines marked ruleid must match, lines marked ok must not (semgrep --test).
import os
import ssl

import httpx
import requests

CA_BUNDLE = os.environ.get("CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")


def insecure_requests(url: str) -> dict:
    # ruleid: gate.tls-verify-disabled
    return requests.get(url, verify=False, timeout=5).json()


def insecure_httpx(url: str) -> dict:
    # ruleid: gate.tls-verify-disabled
    with httpx.Client(verify=False) as client:
        return client.get(url).json()


def insecure_session(url: str) -> dict:
    session = requests.Session()
    # ruleid: gate.tls-verify-disabled
    session.verify = False
    return session.get(url, timeout=5).json()


def insecure_context() -> ssl.SSLContext:
    # ruleid: gate.tls-verify-disabled
    return ssl._create_unverified_context()


def private_ca(url: str) -> dict:
    # ok: gate.tls-verify-disabled
    return requests.get(url, verify=CA_BUNDLE, timeout=5).json()


def no_timeout(url: str) -> dict:
    # ruleid: gate.http-request-without-timeout
    return requests.get(url).json()


def no_timeout_post(url: str, body: dict) -> int:
    # ruleid: gate.http-request-without-timeout
    return requests.post(url, json=body, headers={"Accept": "application/json"}).status_code


def session_without_timeout(url: str) -> int:
    with requests.Session() as session:
        # ruleid: gate.http-request-without-timeout
        return session.get(url).status_code


def requests_timeout_off(url: str) -> int:
    # ruleid: gate.http-request-without-timeout
    return requests.get(url, timeout=None).status_code


def requests_timeout_from_settings(url: str, settings) -> int:
    # ok: gate.http-request-without-timeout
    return requests.get(url, timeout=settings.HTTP_TIMEOUT).status_code


def httpx_timeout_off(url: str) -> int:
    # ruleid: gate.http-request-without-timeout
    return httpx.get(url, timeout=None).status_code


def with_timeout(url: str) -> dict:
    # ok: gate.http-request-without-timeout
    return requests.get(url, timeout=(3.05, 10)).json()


def session_with_timeout(url: str) -> int:
    session = requests.Session()
    # ok: gate.http-request-without-timeout
    return session.get(url, timeout=10).status_code


def httpx_default(url: str) -> int:
    # ok: gate.http-request-without-timeout
    return httpx.get(url).status_code


def passes_options(url: str, **options) -> int:
    # ok: gate.http-request-without-timeout
    return requests.get(url, **options).status_code
