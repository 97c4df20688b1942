"""The rig's aiosmtpd (PyPI, a second SMTP implementation) hosts, one process.

aiosmtpd.mxray.test     127.0.0.52  587 STARTTLS, AUTH only after it (aiosmtpd's default
                                    auth_require_tls); 465 implicit TLS + AUTH.
aiosmtpdbad.mxray.test  127.0.0.54  587 without STARTTLS, AUTH PLAIN/LOGIN offered in clear.

User `alice`, password from the environment (MXRAY_RIG_PASSWORD). Nothing is delivered: the
handler refuses every recipient. Writes its pid to argv[2] once every listener is bound.
"""

import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

RIG = sys.argv[1]
PIDFILE = sys.argv[2]
PASSWORD = os.environ["MXRAY_RIG_PASSWORD"].encode()


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"alice"
        and auth_data.password == PASSWORD
    )
    # handled=False: aiosmtpd answers the refusal itself (535 5.7.8); its default, True, means
    # "already answered" and leaves the client waiting.
    return AuthResult(success=ok, handled=False)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.7.1 relay not permitted (mxray rig: nothing is delivered here)"


def context(name):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(f"{RIG}/certs/{name}.pem", f"{RIG}/certs/{name}.key")
    return ctx


async def main():
    loop = asyncio.get_running_loop()
    good = context("aiosmtpd")

    def factory(hostname, **kw):
        return lambda: SMTP(
            Handler(),
            hostname=hostname,
            authenticator=authenticator,
            auth_exclude_mechanism=["CRAM-MD5"],
            **kw,
        )

    servers = [
        await loop.create_server(
            factory("aiosmtpd.mxray.test", tls_context=good, require_starttls=False),
            "127.0.0.52",
            587,
        ),
        await loop.create_server(
            # aiosmtpd only knows of TLS it negotiated itself (STARTTLS): on the implicit-TLS
            # port its auth_require_tls would hide AUTH although the connection is encrypted.
            factory("aiosmtpd.mxray.test", auth_require_tls=False),
            "127.0.0.52",
            465,
            ssl=good,
        ),
        await loop.create_server(
            factory("aiosmtpdbad.mxray.test", auth_require_tls=False),
            "127.0.0.54",
            587,
        ),
    ]
    with open(PIDFILE, "w") as f:
        f.write(f"{os.getpid()}\n")
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
