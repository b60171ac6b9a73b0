// Third-party Web Push peer for crates/webpush/tests/interop.rs, built on the
// npm packages `web-push` (sender), `http_ece` (decryption) and `jws` (JWT
// verification). Reads one JSON request on stdin, writes one JSON answer on
// stdout. Binary values are base64url. Operations:
//   encrypt       {p256dh, auth, plaintext}        -> {body}
//   decrypt       {private_key, auth, body}        -> {plaintext}
//   verify-vapid  {authorization}                  -> {claims, k}
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import ece from 'http_ece';
import jws from 'jws';
import webpush from 'web-push';

const b64 = (buf) => Buffer.from(buf).toString('base64url');
const unb64 = (text) => Buffer.from(text, 'base64url');

function encrypt({ p256dh, auth, plaintext }) {
  const { cipherText } = webpush.encrypt(p256dh, auth, unb64(plaintext), 'aes128gcm');
  return { body: b64(cipherText) };
}

function decrypt({ private_key, auth, body }) {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(unb64(private_key));
  const plaintext = ece.decrypt(unb64(body), {
    version: 'aes128gcm',
    privateKey: ecdh,
    authSecret: b64(unb64(auth)),
  });
  return { plaintext: b64(plaintext) };
}

// RFC 8292 section 3: `vapid t=<jwt>, k=<key>`, parameters comma-separated.
function verifyVapid({ authorization }) {
  const match = /^vapid\s+(.*)$/i.exec(authorization);
  if (!match) throw new Error('scheme is not vapid');
  const params = {};
  for (const part of match[1].split(',')) {
    const [name, ...rest] = part.trim().split('=');
    params[name.toLowerCase()] = rest.join('=');
  }
  if (!params.t || !params.k) throw new Error('missing t or k');
  const raw = unb64(params.k);
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33)) },
    format: 'jwk',
  });
  const pem = key.export({ type: 'spki', format: 'pem' });
  if (!jws.verify(params.t, 'ES256', pem)) throw new Error('signature does not verify');
  const decoded = jws.decode(params.t);
  if (decoded.header.alg !== 'ES256' || decoded.header.typ !== 'JWT') throw new Error('bad JWT header');
  const claims = typeof decoded.payload === 'string' ? JSON.parse(decoded.payload) : decoded.payload;
  return { claims, k: params.k };
}

const ops = { encrypt, decrypt, 'verify-vapid': verifyVapid };
const op = ops[process.argv[2]];
if (!op) {
  console.error(`usage: node webpush_peer.mjs ${Object.keys(ops).join('|')} < request.json`);
  process.exit(2);
}
try {
  const answer = op(JSON.parse(readFileSync(0, 'utf8')));
  process.stdout.write(JSON.stringify(answer) + '\n');
} catch (err) {
  console.error(`peer error: ${err.message}`);
  process.exit(1);
}
