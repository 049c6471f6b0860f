"""Fakes of the identity side of Teams, on 127.0.0.1.

- :class:`BotFrameworkKeys`: the OpenID metadata and signing keys that Teams' own requests are
  checked against (``TEAMS_OPENID_METADATA_URL``), with an RSA key made by the test, and a
  minter of Bot Framework JWTs: valid ones and forged ones (another key, another audience,
  expired, wrong issuer, another service URL).
- :class:`FakeEntra`: Microsoft Entra ID's OAuth token endpoint, over HTTPS (MSAL accepts no
  other) with a certificate authority made by the test, for the bot's own client-credentials
  tokens (``TEAMS_LOGIN_URL``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

from tests.serving import serve_in_thread, stop_serving

#: The issuer of Bot Framework tokens in the public cloud (the SDK checks it).
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


#: Keys made so far in this process. Making a 2048-bit key costs about 50 ms of CPU and every
#: Teams test needs four (signing, forger, CA, server), so later tests reuse them in turn.
_KEY_POOL: list[rsa.RSAPrivateKey] = []
_POOL_SIZE = 8  # more than one test ever holds at once (rotations included): no two alike
_drawn = itertools.count()


def _rsa_key() -> rsa.RSAPrivateKey:
    """A private key distinct from the last ``_POOL_SIZE - 1`` drawn."""
    turn = next(_drawn) % _POOL_SIZE
    if turn == len(_KEY_POOL):
        _KEY_POOL.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEY_POOL[turn]


def _json_handler(answer: Callable[[str, str, bytes], tuple[int, Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = answer(self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


# --- Bot Framework signing keys and tokens --------------------------------------------------


@dataclass
class BotFrameworkKeys:
    app_id: str
    issuer: str = BOT_FRAMEWORK_ISSUER

    def __post_init__(self) -> None:
        self.key = _rsa_key()
        self.kid = "test-key-" + uuid.uuid4().hex[:8]
        #: an attacker's key: tokens signed with it claim the published kid
        self.forger_key = _rsa_key()
        self.key_fetches = 0
        #: seconds the key set takes to arrive (a slow or hanging key host)
        self.keys_delay = 0.0
        self._server: ThreadingHTTPServer | None = None

    def rotate(self) -> None:
        """Publish a new signing key (and id) in place of the old one, as Microsoft does."""
        self.key = _rsa_key()
        self.kid = "test-key-" + uuid.uuid4().hex[:8]

    def start(self) -> BotFrameworkKeys:
        self._server = serve_in_thread(_json_handler(self._answer))
        return self

    def stop(self) -> None:
        stop_serving(self._server)
        self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1/.well-known"

    @property
    def openid_metadata_url(self) -> str:
        return self.base_url + "/openidconfiguration"

    def _answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        path = urlsplit(path).path
        if path.endswith("/openidconfiguration"):
            return 200, {"issuer": self.issuer, "jwks_uri": self.base_url + "/keys",
                         "id_token_signing_alg_values_supported": ["RS256"]}
        if path.endswith("/keys"):
            self.key_fetches += 1
            time.sleep(self.keys_delay)
            jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
            jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
            return 200, {"keys": [jwk]}
        return 404, {"error": "not found"}

    def token(
        self,
        service_url: str,
        *,
        audience: str | None = None,
        issuer: str | None = None,
        expires_in: int = 3600,
        signed_by: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A Bot Framework JWT as Teams sends it; every argument can make it a forged one."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": issuer or self.issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "iat": now - 10,
            "nbf": now - 10,
            "exp": now + expires_in,
        }
        payload.update(claims or {})
        return jwt.encode(payload, signed_by or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


# --- Entra ID's token endpoint over TLS ---------------------------------------------------


@dataclass
class TestCertificates:
    """A certificate authority and a certificate it signed for 127.0.0.1."""

    folder: Path

    def __post_init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        ca_key = _rsa_key()
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "redteam test CA")])
        ca = (
            x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
            .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        key = _rsa_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_file = self.folder / "ca.pem"
        self.cert_file = self.folder / "cert.pem"
        self.key_file = self.folder / "key.pem"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def session(self) -> requests.Session:
        """A requests session that trusts the test authority (and ignores proxy variables)."""
        session = requests.Session()
        session.trust_env = False
        session.verify = str(self.ca_file)
        return session


@dataclass
class TokenRequest:
    tenant: str
    form: dict[str, str]


@dataclass
class FakeEntra:
    """Answers MSAL's OpenID discovery and client-credentials token requests."""

    certificates: TestCertificates
    client_id: str
    client_secret: str
    expires_in: int = 3600
    requests: list[TokenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tokens = itertools.count(1)
        #: the access tokens handed out, in order
        self.issued: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> FakeEntra:
        self._server = serve_in_thread(_json_handler(self._answer), self.certificates.server_context())
        return self

    def stop(self) -> None:
        stop_serving(self._server)
        self._server = None

    @property
    def login_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"


    def _answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        parts = urlsplit(path).path.strip("/").split("/")
        tenant = parts[0]
        base = f"{self.login_url}/{tenant}"
        if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return 200, {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
            }
        if parts[1:] == ["oauth2", "v2.0", "token"] and method == "POST":
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            self.requests.append(TokenRequest(tenant, form))
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return 401, {"error": "invalid_client",
                             "error_description": "AADSTS7000215: Invalid client secret."}
            # Entra's access tokens are JWTs, and the SDK reads their claims (unverified).
            claims = {"aud": form.get("scope", "").removesuffix("/.default"), "appid": self.client_id,
                      "tid": tenant, "n": next(self._tokens), "exp": int(time.time()) + self.expires_in}
            token = jwt.encode(claims, "fake-entra-secret-0123456789abcdef", algorithm="HS256")
            self.issued.append(token)
            return 200, {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}
        return 404, {"error": "not_found"}
