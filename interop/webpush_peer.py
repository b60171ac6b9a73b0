"""Third-party Web Push peer for crates/webpush/tests/interop.rs.

Built on PyPI's `http-ece` (RFC 8188/8291), `py-vapid` (RFC 8292) and
`cryptography`. Reads one JSON request on stdin, writes one JSON answer on
stdout; binary values are base64url. Operations:
  encrypt       {p256dh, auth, plaintext}   -> {body}
  decrypt       {private_key, auth, body}   -> {plaintext}
  verify-vapid  {authorization}             -> {claims, k}
"""

import base64
import json
import os
import re
import sys

import http_ece
import py_vapid
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt as vapid_jwt


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(req):
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    body = http_ece.encrypt(
        unb64(req["plaintext"]),
        salt=os.urandom(16),
        private_key=ephemeral,
        dh=unb64(req["p256dh"]),
        auth_secret=unb64(req["auth"]),
        version="aes128gcm",
    )
    return {"body": b64(body)}


def decrypt(req):
    private_key = ec.derive_private_key(int.from_bytes(unb64(req["private_key"]), "big"), ec.SECP256R1())
    plaintext = http_ece.decrypt(
        unb64(req["body"]),
        private_key=private_key,
        auth_secret=unb64(req["auth"]),
        version="aes128gcm",
    )
    return {"plaintext": b64(plaintext)}


def verify_vapid(req):
    # RFC 8292 section 3: `vapid t=<jwt>, k=<key>`. py_vapid's own parser
    # expects no space after the comma, so parse per RFC 7235 and hand the
    # token and key to py_vapid's verifier.
    match = re.match(r"^vapid\s+(.*)$", req["authorization"], re.IGNORECASE)
    if not match:
        raise ValueError("scheme is not vapid")
    params = {}
    for part in match.group(1).split(","):
        name, _, value = part.strip().partition("=")
        params[name.lower()] = value
    claims = vapid_jwt.decode(params["t"], params["k"])  # raises InvalidSignature
    if not py_vapid._check_sub(claims.get("sub", "")):
        raise ValueError("sub is not a mailto: or https: URL")
    header = json.loads(unb64(params["t"].split(".")[0]))
    if header != {"typ": "JWT", "alg": "ES256"}:
        raise ValueError("bad JWT header")
    return {"claims": claims, "k": params["k"]}


OPS = {"encrypt": encrypt, "decrypt": decrypt, "verify-vapid": verify_vapid}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in OPS:
        print("usage: python3 webpush_peer.py %s < request.json" % "|".join(OPS), file=sys.stderr)
        return 2
    try:
        answer = OPS[sys.argv[1]](json.load(sys.stdin))
    except Exception as err:  # report any peer failure as such
        print("peer error: %s: %s" % (type(err).__name__, err), file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
