#!/usr/bin/env node
// Differential SigV4 signer: checks signatures made by s3gc's C signer against the
// AWS SDK's own signer, @smithy/signature-v4.
//
// usage: node sign.js < requests.jsonl > results.jsonl
//
// Input, one JSON object per line (blank lines are skipped):
//   {"id":N,"method":"GET","host":"h","path":"/already%20encoded/path",
//    "query":[["name","value"],...],          names and values DECODED (any Unicode)
//    "headers":[["Name","value"],...],        the headers to sign, including host and
//                                              x-amz-content-sha256, but NOT x-amz-date
//                                              nor x-amz-security-token (added here)
//    "payload_hash":"hex or UNSIGNED-PAYLOAD",
//    "access_key":"..","secret_key":"..","session_token":".." (optional),
//    "region":"us-east-1","service":"s3","time":"20260102T030405Z",
//    "signature":"hex from the C signer"}     (optional; without it: no "match")
// Output, one line per input line, in order:
//   {"id":N,"signature":"hex","match":true|false}
//   On a mismatch also "canonical_request" and "string_to_sign" (smithy's).
//   If smithy left out some listed headers (see below): "dropped":["name",...].
// At the end stderr gets "N requests, M mismatches".  Exit 0 if M = 0, 1 if M > 0,
// 2 on unparseable input (bad JSON, invalid UTF-8, a missing or mistyped field).
//
// How the request is handed to smithy: path verbatim (uriEscapePath: false, as S3
// wants: no re-encoding, no normalisation); query as an object name -> value
// (repeated names -> array, smithy sorts); headers as an object keyed by lower-case
// name, repeated names combined as SigV4 requires: each value trimmed, inner runs of
// spaces/tabs squeezed, then joined with ',' in input order (a JS object cannot hold
// duplicates); signing date from "time"; applyChecksum: false.  The payload hash
// smithy uses is the x-amz-content-sha256 header when listed (it must then equal
// "payload_hash", else the line is an input error), otherwise "payload_hash" is
// handed over as an unsigned x-amz-content-sha256 header.
//
// HEADERS SMITHY REFUSES TO SIGN (the C generator must not list them, or expect
// "dropped" and a mismatch).  From @smithy/signature-v4 5.7.5:
//   ALWAYS_UNSIGNABLE_HEADERS: authorization, cache-control, connection, expect,
//     from, keep-alive, max-forwards, pragma, referer, te, trailer,
//     transfer-encoding, upgrade, user-agent, x-amzn-trace-id
//   PROXY_HEADER_PATTERN /^proxy-/ and SEC_HEADER_PATTERN /^sec-/ (any header
//     whose lower-case name starts with "proxy-" or "sec-")
//   and GENERATED_HEADERS, removed before signing: authorization, x-amz-date, date
//     (x-amz-date is then re-added from "time"; a listed "date" is simply lost).
// (All matching is on the lower-cased name.)  smithy's canonical header value is
// the value with CR/LF turned into spaces, runs of spaces/tabs squeezed to one
// space, and one leading and one trailing space removed.
'use strict';

const { SignatureV4, getCanonicalHeaders, ALWAYS_UNSIGNABLE_HEADERS, GENERATED_HEADERS } =
  require('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node');

const Sha256 = Hash.bind(null, 'sha256');

class InputError extends Error {}

const isStr = v => typeof v === 'string';
const isPairs = v => Array.isArray(v) && v.every(p => Array.isArray(p) && p.length === 2 && isStr(p[0]) && isStr(p[1]));

function parseTime(t) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(t);
  if (!m) throw new InputError(`bad "time" ${JSON.stringify(t)}`);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  if (isNaN(d)) throw new InputError(`bad "time" ${JSON.stringify(t)}`);
  return d;
}

function isUnsignable(name) {
  return Object.prototype.hasOwnProperty.call(ALWAYS_UNSIGNABLE_HEADERS, name) ||
    /^proxy-/.test(name) || /^sec-/.test(name) || GENERATED_HEADERS.includes(name);
}

async function signOne(o) {
  for (const f of ['method', 'host', 'path', 'payload_hash', 'access_key', 'secret_key', 'region', 'service', 'time']) {
    if (!isStr(o[f])) throw new InputError(`field "${f}" missing or not a string`);
  }
  if (!('id' in o)) throw new InputError('field "id" missing');
  if (!isPairs(o.query)) throw new InputError('field "query" must be an array of [name, value] string pairs');
  if (!isPairs(o.headers)) throw new InputError('field "headers" must be an array of [name, value] string pairs');
  for (const f of ['session_token', 'signature']) {
    if (f in o && o[f] !== null && !isStr(o[f])) throw new InputError(`field "${f}" must be a string`);
  }
  const signingDate = parseTime(o.time);

  const query = {};
  for (const [k, v] of o.query) {
    if (Object.prototype.hasOwnProperty.call(query, k)) query[k] = [].concat(query[k], v);
    else query[k] = v;
  }
  const grouped = new Map();
  for (const [k, v] of o.headers) {
    const n = k.toLowerCase();
    if (!grouped.has(n)) grouped.set(n, []);
    grouped.get(n).push(v);
  }
  const headers = {};
  const dropped = [];
  for (const [n, vals] of grouped) {
    headers[n] = vals.length === 1 ? vals[0] : vals.map(v => v.replace(/[ \t]+/g, ' ').trim()).join(',');
    if (isUnsignable(n) && n !== 'x-amz-date') dropped.push(n);
  }
  const unsignable = new Set();
  if (headers['x-amz-content-sha256'] === undefined) {
    headers['x-amz-content-sha256'] = o.payload_hash;
    unsignable.add('x-amz-content-sha256');
  } else if (headers['x-amz-content-sha256'] !== o.payload_hash) {
    throw new InputError('listed x-amz-content-sha256 header differs from "payload_hash"');
  }

  const credentials = { accessKeyId: o.access_key, secretAccessKey: o.secret_key };
  if (isStr(o.session_token)) credentials.sessionToken = o.session_token;
  const signer = new SignatureV4({
    service: o.service,
    region: o.region,
    credentials,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const request = { method: o.method, protocol: 'https:', hostname: o.host, path: o.path, query, headers };
  let signed;
  try {
    signed = await signer.sign(request, { signingDate, unsignableHeaders: unsignable });
  } catch (e) {
    throw new InputError(`smithy refused the request: ${e && e.message ? e.message : e}`);
  }
  const signature = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization)[1];
  const out = { id: o.id, signature };
  if (isStr(o.signature)) out.match = o.signature === signature;
  if (dropped.length) out.dropped = dropped;
  if (out.match === false) {
    // smithy's own canonical request and string to sign, for diffing
    const longDate = signed.headers['x-amz-date'];
    const prepared = { ...request, headers: { ...headers, 'x-amz-date': longDate } };
    for (const g of GENERATED_HEADERS) if (g !== 'x-amz-date') delete prepared.headers[g];
    if (credentials.sessionToken !== undefined) prepared.headers['x-amz-security-token'] = credentials.sessionToken;
    const canon = getCanonicalHeaders(prepared, unsignable, undefined);
    out.canonical_request = signer.createCanonicalRequest(prepared, canon, o.payload_hash);
    out.string_to_sign = await signer.createStringToSign(longDate,
      `${longDate.slice(0, 8)}/${o.region}/${o.service}/aws4_request`, out.canonical_request, 'AWS4-HMAC-SHA256');
  }
  return out;
}

async function main() {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = Buffer.alloc(0);
  let lineNo = 0;
  let total = 0;
  let mismatches = 0;
  let out = [];
  const flush = () => {
    if (out.length) {
      process.stdout.write(out.join(''));
      out = [];
    }
  };
  const doLine = async raw => {
    lineNo++;
    let text;
    try {
      text = decoder.decode(raw);
    } catch (e) {
      throw new InputError('invalid UTF-8');
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return;
    let o;
    try {
      o = JSON.parse(text);
    } catch (e) {
      throw new InputError(`bad JSON: ${e.message}`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InputError('not a JSON object');
    const r = await signOne(o);
    total++;
    if (r.match === false) mismatches++;
    out.push(JSON.stringify(r) + '\n');
    if (out.length >= 512) flush();
  };
  try {
    for await (const chunk of process.stdin) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      let nl;
      while ((nl = pending.indexOf(0x0a, start)) >= 0) {
        await doLine(pending.subarray(start, nl));
        start = nl + 1;
      }
      pending = pending.subarray(start);
    }
    if (pending.length) await doLine(pending);
  } catch (e) {
    flush();
    if (e instanceof InputError) {
      process.stderr.write(`sign.js: line ${lineNo}: ${e.message}\n`);
      process.stderr.write(`${total} requests, ${mismatches} mismatches\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  flush();
  process.stderr.write(`${total} requests, ${mismatches} mismatches\n`);
  process.exitCode = mismatches > 0 ? 1 : 0;
}

main().catch(e => {
  process.stderr.write(`sign.js: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 2;
});
