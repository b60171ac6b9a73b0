#!/usr/bin/env python3
"""Writes the keys bench/fanout.sh needs as JSON: one subscriber key pair's
public half (`p256dh`, 65-byte uncompressed P-256 point) and `auth` secret
(16 bytes), shared by every benchmark subscriber, and a VAPID key pair
(`vapid_public` raw point, `vapid_private` raw 32-byte scalar) for the Node
and Python comparisons. All base64url without padding.

Usage: fanout_keys.py OUT.json
"""

import base64
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


subscriber = ec.generate_private_key(ec.SECP256R1())
vapid = ec.generate_private_key(ec.SECP256R1())
keys = {
    "p256dh": b64(point(subscriber)),
    "auth": b64(os.urandom(16)),
    "vapid_public": b64(point(vapid)),
    "vapid_private": b64(vapid.private_numbers().private_value.to_bytes(32, "big")),
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(keys, f)
