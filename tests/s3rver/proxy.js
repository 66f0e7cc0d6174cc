#!/usr/bin/env node
// SigV4-verifying proxy in front of s3rver, for s3gc's tests.
//
// usage: node --openssl-legacy-provider proxy.js --port N|0 --port-file FILE --dir DATADIR
//             [--bucket NAME]... [--region us-east-1] [-q]
//             [--no-encoding-type] [--no-delete-objects-fix] [--no-listing-fix]
//             [--log-headers] [--max-body BYTES]
//
// Credentials: S3GC_TEST_ACCESS_KEY / S3GC_TEST_SECRET_KEY (defaults s3gcTESTKEY /
// s3gcTESTSECRET).  Any x-amz-security-token is accepted, but it must be signed.
//
// s3rver (run in this process on a free 127.0.0.1 port) checks no SigV4 signature at
// all.  Every request is therefore verified here first, by recomputing its signature
// with the AWS SDK's own signer (@smithy/signature-v4), and only verified requests
// are forwarded.  See README for what is checked and for s3rver's known bugs.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const zlib = require('zlib');

// ---------------------------------------------------------------------------
// s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 only has in
// its legacy provider.  Without it every truncated V2 listing is a 500.  If we were
// started without --openssl-legacy-provider, run ourselves again with it.
function desAvailable() {
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch (e) {
    return false;
  }
}
if (!desAvailable()) {
  if (process.env.S3GC_PROXY_REEXEC) {
    process.stderr.write('proxy.js: DES unavailable even with --openssl-legacy-provider\n');
    process.exit(1);
  }
  const { spawn } = require('child_process');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', ...process.execArgv, __filename, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, S3GC_PROXY_REEXEC: '1' } },
  );
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('exit', (code, sig) => process.exit(code === null ? 128 + (sig === 'SIGINT' ? 2 : 15) : code));
  return; // eslint-disable-line no-unreachable
}

const { SignatureV4, getCanonicalHeaders } = require('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node');

const Sha256 = Hash.bind(null, 'sha256');

// ---------------------------------------------------------------------------
// arguments

function usage(msg) {
  if (msg) process.stderr.write(`proxy.js: ${msg}\n`);
  process.stderr.write(
    'usage: node --openssl-legacy-provider proxy.js --port N|0 --port-file FILE --dir DATADIR\n' +
      '         [--bucket NAME]... [--region us-east-1] [-q] [--no-encoding-type]\n' +
      '         [--no-delete-objects-fix] [--no-listing-fix] [--log-headers] [--max-body BYTES]\n',
  );
  process.exit(2);
}

const opts = {
  port: null,
  portFile: null,
  dir: null,
  buckets: [],
  region: 'us-east-1',
  quiet: false,
  encodingType: true,
  deleteObjectsFix: true,
  listingFix: true,
  logHeaders: false,
  maxBody: 1024 * 1024 * 1024,
};
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--port': opts.port = val(); break;
      case '--port-file': opts.portFile = val(); break;
      case '--dir': opts.dir = val(); break;
      case '--bucket': opts.buckets.push(val()); break;
      case '--region': opts.region = val(); break;
      case '--max-body': opts.maxBody = Number(val()); break;
      case '-q': case '--quiet': opts.quiet = true; break;
      case '--no-encoding-type': opts.encodingType = false; break;
      case '--no-delete-objects-fix': opts.deleteObjectsFix = false; break;
      case '--no-listing-fix': opts.listingFix = false; break;
      case '--log-headers': opts.logHeaders = true; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (opts.port === null || !/^\d+$/.test(opts.port) || Number(opts.port) > 65535) usage('--port N required');
  opts.port = Number(opts.port);
  if (!opts.dir) usage('--dir required');
  if (!(opts.maxBody > 0)) usage('bad --max-body');
}

const ACCESS_KEY = process.env.S3GC_TEST_ACCESS_KEY || 's3gcTESTKEY';
const SECRET_KEY = process.env.S3GC_TEST_SECRET_KEY || 's3gcTESTSECRET';
const KEYS = new Map([[ACCESS_KEY, SECRET_KEY]]);

function log(line) {
  if (!opts.quiet) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

// ---------------------------------------------------------------------------
// helpers

class S3Err {
  constructor(status, code, message, extra) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.extra = extra || {};
  }
}

// (a raw CR would be read back as LF by any XML parser, so it is written as &#13;)
const xmlEscape = s =>
  String(s).replace(/[&<>"'\r]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' })[c]);

function errorXml(err, requestId) {
  let x = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(err.code)}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message>`;
  for (const [k, v] of Object.entries(err.extra)) {
    if (v !== undefined) x += `<${k}>${xmlEscape(v)}</${k}>`;
  }
  x += `<RequestId>${requestId}</RequestId><HostId>s3gc-test-proxy</HostId></Error>`;
  return x;
}

const sha256hex = buf => crypto.createHash('sha256').update(buf).digest('hex');

// ISO8601 basic format as used by SigV4: 20260102T030405Z
function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return isNaN(d) ? null : d;
}

// Query string exactly as S3 reads it for SigV4: split on '&', name and value split
// at the first '=', %XX decoded ('+' is NOT a space).  Repeated names give arrays.
function parseQuery(raw) {
  const query = {};
  const list = [];
  if (raw === '') return { query, list };
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rn = eq < 0 ? part : part.slice(0, eq);
    const rv = eq < 0 ? '' : part.slice(eq + 1);
    let name, value;
    try {
      name = decodeURIComponent(rn);
      value = decodeURIComponent(rv);
    } catch (e) {
      throw new S3Err(400, 'InvalidURI', "Couldn't parse the specified URI.", { URI: raw });
    }
    list.push([name, value]);
    if (Object.prototype.hasOwnProperty.call(query, name)) {
      if (Array.isArray(query[name])) query[name].push(value);
      else query[name] = [query[name], value];
    } else {
      query[name] = value;
    }
  }
  return { query, list };
}

// SigV4 combines repeated headers as their trimmed values joined with ','.
function headerValue(req, name) {
  const vals = req.headersDistinct[name];
  if (!vals) return undefined;
  return vals.map(v => v.replace(/[ \t]+/g, ' ').trim()).join(',');
}

// --- checksums (Content-MD5, x-amz-checksum-*) -----------------------------
let crc32cTable = null;
function crc32c(buf) {
  if (!crc32cTable) {
    crc32cTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      crc32cTable[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < buf.length; i++) crc = crc32cTable[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
function crc32(buf) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf) >>> 0;
  return null;
}
const u32b64 = n => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b.toString('base64');
};
const CHECKSUMS = {
  'x-amz-checksum-crc32': { name: 'CRC32', calc: b => { const c = crc32(b); return c === null ? null : u32b64(c); } },
  'x-amz-checksum-crc32c': { name: 'CRC32C', calc: b => u32b64(crc32c(b)) },
  'x-amz-checksum-sha1': { name: 'SHA1', calc: b => crypto.createHash('sha1').update(b).digest('base64') },
  'x-amz-checksum-sha256': { name: 'SHA256', calc: b => crypto.createHash('sha256').update(b).digest('base64') },
};
function checkChecksum(name, value, body) {
  const c = CHECKSUMS[name];
  if (!c) return; // e.g. x-amz-checksum-crc64nvme: not verified
  const got = c.calc(body);
  if (got === null) return;
  if (got !== value) {
    throw new S3Err(400, 'BadDigest', `The ${c.name} you specified did not match the calculated checksum.`);
  }
}

// ---------------------------------------------------------------------------
// signature verification

function newSigner(region, credentials) {
  return new SignatureV4({
    service: 's3',
    region,
    credentials,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

function parseCredential(cred, where) {
  const parts = (cred || '').split('/');
  if (parts.length !== 5 || !parts[0]) {
    if (where === 'header') {
      throw new S3Err(400, 'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
    }
    throw new S3Err(400, 'AuthorizationQueryParametersError',
      'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  const [accessKey, date, region, service, term] = parts;
  const code = where === 'header' ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError';
  if (!KEYS.has(accessKey)) {
    throw new S3Err(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.',
      { AWSAccessKeyId: accessKey });
  }
  if (region !== opts.region) {
    throw new S3Err(400, code, `The authorization header is malformed; the region '${region}' is wrong; expecting '${opts.region}'`,
      { Region: opts.region });
  }
  if (service !== 's3') {
    throw new S3Err(400, code, `The authorization header is malformed; incorrect service "${service}". This endpoint belongs to "s3".`);
  }
  if (term !== 'aws4_request') {
    throw new S3Err(400, code, `The authorization header is malformed; incorrect terminal "${term}". This endpoint uses "aws4_request".`);
  }
  return { accessKey, date, region, secret: KEYS.get(accessKey) };
}

// Parse "AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=.."
function parseAuthHeader(auth) {
  const m = /^(\S+)\s+(.*)$/s.exec(auth);
  if (!m || m[1] !== 'AWS4-HMAC-SHA256') {
    if (/^AWS4-/.test(auth)) {
      throw new S3Err(400, 'InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization' });
    }
    throw new S3Err(400, 'InvalidArgument',
      'Unsupported Authorization Type (this test endpoint only accepts AWS4-HMAC-SHA256)',
      { ArgumentName: 'Authorization' });
  }
  const comp = {};
  for (const piece of m[2].split(',')) {
    const p = piece.trim();
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    comp[p.slice(0, eq)] = p.slice(eq + 1);
  }
  for (const k of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!comp[k]) {
      throw new S3Err(400, 'AuthorizationHeaderMalformed',
        `The authorization header is malformed; the authorization component "${k}" is missing.`);
    }
  }
  return comp;
}

function mismatch(akid, provided, detail) {
  return new S3Err(403, 'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    {
      AWSAccessKeyId: akid,
      StringToSign: detail && detail.stringToSign,
      SignatureProvided: provided,
      CanonicalRequest: detail && detail.canonicalRequest,
    });
}

async function explain(signer, request, canonicalHeaders, payloadHash, longDate, scope) {
  const canonicalRequest = signer.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  const stringToSign = await signer.createStringToSign(longDate, scope, canonicalRequest, 'AWS4-HMAC-SHA256');
  return { canonicalRequest, stringToSign };
}

const STREAMING = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
]);

// Verifies what can be verified before the body is read.  Returns a context for
// verifyBody(), or throws S3Err.
async function verifyHeaders(req, rawPath, rawQuery) {
  const { query } = parseQuery(rawQuery);
  const auth = req.headers['authorization'];
  const hasQueryAuth = Object.prototype.hasOwnProperty.call(query, 'X-Amz-Algorithm');
  if (auth !== undefined && hasQueryAuth) {
    throw new S3Err(400, 'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      { ArgumentName: 'Authorization' });
  }
  if (auth === undefined && !hasQueryAuth) {
    if ('Signature' in query || 'AWSAccessKeyId' in query) {
      throw new S3Err(400, 'InvalidArgument', 'Signature version 2 is not supported by this test endpoint');
    }
    throw new S3Err(403, 'AccessDenied', 'Access Denied');
  }
  const host = req.headers['host'];
  if (host === undefined) throw new S3Err(400, 'InvalidRequest', 'Missing required header for this request: Host');
  const hostname = host.replace(/:\d+$/, '');

  if (auth !== undefined) return verifyHeaderAuth(req, rawPath, query, auth, hostname);
  return verifyQueryAuth(req, rawPath, query, hostname);
}

async function verifyHeaderAuth(req, rawPath, query, auth, hostname) {
  const comp = parseAuthHeader(auth);
  const cred = parseCredential(comp.Credential, 'header');
  const amzDate = req.headers['x-amz-date'];
  if (amzDate === undefined) {
    // Real S3 also accepts a signed Date header; @smithy/signature-v4 always signs
    // x-amz-date, so this proxy requires it.
    throw new S3Err(403, 'AccessDenied',
      'AWS authentication requires a valid Date or x-amz-date header (this test endpoint requires x-amz-date)');
  }
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) {
    throw new S3Err(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  if (cred.date !== amzDate.slice(0, 8)) {
    throw new S3Err(400, 'AuthorizationHeaderMalformed',
      `The authorization header is malformed; Invalid credential date "${cred.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  const skew = Math.abs(Date.now() - signingDate.getTime());
  if (skew > 15 * 60 * 1000) {
    throw new S3Err(403, 'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      { RequestTime: amzDate, ServerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), MaxAllowedSkewMilliseconds: 900000 });
  }
  const signed = comp.SignedHeaders.split(';');
  const signedSet = new Set(signed);
  if (!signedSet.has('host')) {
    throw new S3Err(403, 'AccessDenied', 'The host header must be signed (SignedHeaders lacks "host")');
  }
  const unsignedAmz = Object.keys(req.headers).filter(h => h.startsWith('x-amz-') && !signedSet.has(h)).sort();
  if (unsignedAmz.length) {
    throw new S3Err(403, 'AccessDenied', 'There were headers present in the request which were not signed',
      { HeadersNotSigned: unsignedAmz.join(', ') });
  }
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (payloadHash === undefined) {
    throw new S3Err(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  if (!(payloadHash === 'UNSIGNED-PAYLOAD' || STREAMING.has(payloadHash) || /^[0-9a-fA-F]{64}$/.test(payloadHash))) {
    throw new S3Err(400, 'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
      { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash });
  }

  const token = req.headers['x-amz-security-token'];
  const headers = {};
  for (const name of signed) {
    if (name === 'x-amz-date' || name === 'x-amz-security-token') continue; // smithy adds these itself
    const v = headerValue(req, name);
    if (v !== undefined) headers[name] = v;
  }
  const request = { method: req.method, protocol: 'http:', hostname, path: rawPath, query, headers };
  const credentials = { accessKeyId: cred.accessKey, secretAccessKey: cred.secret };
  if (token !== undefined) credentials.sessionToken = token;
  const signer = newSigner(cred.region, credentials);
  const out = await signer.sign(request, { signingDate, signableHeaders: signedSet });
  const sig = /Signature=([0-9a-f]+)/.exec(out.headers.authorization)[1];
  const ourSigned = /SignedHeaders=([^,]*)/.exec(out.headers.authorization)[1];
  const scope = `${cred.date}/${cred.region}/s3/aws4_request`;
  if (sig !== comp.Signature) {
    const prepared = { ...request, headers: { ...headers, 'x-amz-date': amzDate } };
    if (token !== undefined) prepared.headers['x-amz-security-token'] = token;
    const detail = await explain(signer, prepared, getCanonicalHeaders(prepared, undefined, signedSet),
      payloadHash, amzDate, scope);
    let why = '';
    if (ourSigned !== comp.SignedHeaders) why = ` (signed headers: request says ${comp.SignedHeaders}, present were ${ourSigned})`;
    const e = mismatch(cred.accessKey, comp.Signature, detail);
    e.why = `signature mismatch${why}`;
    throw e;
  }
  return {
    kind: 'header',
    payloadHash,
    signer,
    signingDate,
    longDate: amzDate,
    scope,
    seedSignature: sig,
    akid: cred.accessKey,
  };
}

async function verifyQueryAuth(req, rawPath, query, hostname) {
  const q = name => (Array.isArray(query[name]) ? query[name][0] : query[name]);
  if (q('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    throw new S3Err(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  for (const p of ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires']) {
    if (q(p) === undefined) {
      throw new S3Err(400, 'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
    }
  }
  const cred = parseCredential(q('X-Amz-Credential'), 'query');
  const amzDate = q('X-Amz-Date');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) {
    throw new S3Err(400, 'AuthorizationQueryParametersError',
      'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  }
  if (cred.date !== amzDate.slice(0, 8)) {
    throw new S3Err(400, 'AuthorizationQueryParametersError',
      `Invalid credential date "${cred.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  const expiresStr = q('X-Amz-Expires');
  if (!/^\d+$/.test(expiresStr)) {
    throw new S3Err(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
  }
  const expires = Number(expiresStr);
  if (expires > 604800) {
    throw new S3Err(400, 'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds');
  }
  if (Date.now() > signingDate.getTime() + expires * 1000) {
    throw new S3Err(403, 'AccessDenied', 'Request has expired',
      { 'X-Amz-Expires': expiresStr, Expires: new Date(signingDate.getTime() + expires * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
        ServerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
  }
  if (signingDate.getTime() > Date.now() + 15 * 60 * 1000) {
    throw new S3Err(403, 'AccessDenied', 'Request is not valid yet');
  }
  const signed = q('X-Amz-SignedHeaders').split(';');
  const signedSet = new Set(signed);
  if (!signedSet.has('host')) {
    throw new S3Err(403, 'AccessDenied', 'The host header must be signed (X-Amz-SignedHeaders lacks "host")');
  }
  const token = q('X-Amz-Security-Token');
  const headers = {};
  for (const name of signed) {
    const v = headerValue(req, name);
    if (v !== undefined) headers[name] = v;
  }
  // Presigned URLs sign UNSIGNED-PAYLOAD unless an x-amz-content-sha256 header was
  // signed.  smithy takes the payload hash from that header; keep it out of the
  // signed set (unless signed) and out of the query.
  const unsignable = new Set();
  if (!signedSet.has('x-amz-content-sha256')) {
    headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    unsignable.add('x-amz-content-sha256');
  }
  const payloadHash = headers['x-amz-content-sha256'];
  const unhoistable = new Set([...signedSet, 'x-amz-content-sha256']);
  const request = { method: req.method, protocol: 'http:', hostname, path: rawPath, query, headers };
  const credentials = { accessKeyId: cred.accessKey, secretAccessKey: cred.secret };
  if (token !== undefined) credentials.sessionToken = token;
  const signer = newSigner(cred.region, credentials);
  let out;
  try {
    out = await signer.presign(request, {
      signingDate,
      expiresIn: expires,
      signableHeaders: signedSet,
      unsignableHeaders: unsignable,
      unhoistableHeaders: unhoistable,
    });
  } catch (e) {
    throw new S3Err(400, 'AuthorizationQueryParametersError', String(e && e.message ? e.message : e));
  }
  const provided = q('X-Amz-Signature');
  if (out.query['X-Amz-Signature'] !== provided) {
    const scope = `${cred.date}/${cred.region}/s3/aws4_request`;
    const canon = getCanonicalHeaders(out, unsignable, signedSet);
    const detail = await explain(signer, out, canon, payloadHash, amzDate, scope);
    const e = mismatch(cred.accessKey, provided, detail);
    let why = '';
    if (out.query['X-Amz-SignedHeaders'] !== q('X-Amz-SignedHeaders')) {
      why = ` (signed headers: URL says ${q('X-Amz-SignedHeaders')}, present were ${out.query['X-Amz-SignedHeaders']})`;
    }
    e.why = `presigned signature mismatch${why}`;
    throw e;
  }
  return { kind: 'presigned', payloadHash, akid: cred.accessKey };
}

// aws-chunked decoding (and chunk / trailer signature verification).
async function decodeAwsChunked(buf, ctx) {
  const signedChunks = ctx.payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
  const hasTrailer = ctx.payloadHash.endsWith('-TRAILER');
  const parts = [];
  const trailers = [];
  let pos = 0;
  let prev = ctx.seedSignature;
  const bad = msg => new S3Err(400, 'IncompleteBody', `aws-chunked body malformed: ${msg}`);
  const readLine = () => {
    const end = buf.indexOf('\r\n', pos);
    if (end < 0) throw bad('missing CRLF');
    const line = buf.toString('latin1', pos, end);
    pos = end + 2;
    return line;
  };
  for (;;) {
    const line = readLine();
    const m = /^([0-9a-fA-F]+)(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line);
    if (!m) throw bad(`bad chunk header ${JSON.stringify(line.slice(0, 100))}`);
    const size = parseInt(m[1], 16);
    if (signedChunks && !m[2]) throw bad('chunk without chunk-signature');
    if (pos + size > buf.length) throw bad('chunk longer than body');
    const data = buf.subarray(pos, pos + size);
    pos += size;
    if (signedChunks) {
      const sig = await ctx.signer.sign(
        { headers: new Uint8Array(0), payload: new Uint8Array(data) },
        { signingDate: ctx.signingDate, priorSignature: prev },
      );
      if (sig !== m[2]) {
        const e = mismatch(ctx.akid, m[2], null);
        e.why = `chunk signature mismatch at chunk ${parts.length}`;
        throw e;
      }
      prev = sig;
    }
    if (size === 0) break;
    parts.push(data);
    if (buf.toString('latin1', pos, pos + 2) !== '\r\n') throw bad('chunk data not followed by CRLF');
    pos += 2;
  }
  // trailers (if any) up to an empty line
  let trailerSig = null;
  for (;;) {
    if (pos >= buf.length) break; // tolerate a missing final CRLF
    const line = readLine();
    if (line === '') break;
    const c = line.indexOf(':');
    if (c <= 0) throw bad('bad trailer line');
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    if (name === 'x-amz-trailer-signature') trailerSig = value;
    else trailers.push([name, value]);
  }
  if (pos !== buf.length) throw bad('data after final chunk');
  if (trailers.length && !hasTrailer) throw bad('trailers present but x-amz-content-sha256 is not a *-TRAILER value');
  if (signedChunks && hasTrailer) {
    if (!trailerSig) throw bad('missing x-amz-trailer-signature');
    const canon = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
    const sts = `AWS4-HMAC-SHA256-TRAILER\n${ctx.longDate}\n${ctx.scope}\n${prev}\n${sha256hex(Buffer.from(canon, 'latin1'))}`;
    const sig = await ctx.signer.sign(sts, { signingDate: ctx.signingDate });
    if (sig !== trailerSig) {
      const e = mismatch(ctx.akid, trailerSig, { stringToSign: sts });
      e.why = 'trailer signature mismatch';
      throw e;
    }
  }
  return { body: Buffer.concat(parts), trailers };
}

// Checks that need the body.  Returns { body, headerEdits } for forwarding.
async function verifyBody(req, ctx, body) {
  const edits = { set: {}, remove: new Set() };
  let payload = body;
  if (ctx.kind === 'header') {
    const ph = ctx.payloadHash;
    if (/^[0-9a-fA-F]{64}$/.test(ph)) {
      const actual = sha256hex(body);
      if (actual !== ph.toLowerCase()) {
        throw new S3Err(400, 'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          { ClientComputedContentSHA256: ph, S3ComputedContentSHA256: actual });
      }
    } else if (STREAMING.has(ph)) {
      const { body: decoded, trailers } = await decodeAwsChunked(body, ctx);
      const dlen = req.headers['x-amz-decoded-content-length'];
      if (dlen !== undefined && Number(dlen) !== decoded.length) {
        throw new S3Err(400, 'IncompleteBody',
          `x-amz-decoded-content-length is ${dlen} but the decoded body has ${decoded.length} bytes`);
      }
      for (const [n, v] of trailers) {
        if (n.startsWith('x-amz-checksum-')) checkChecksum(n, v, decoded);
      }
      payload = decoded;
      edits.remove.add('x-amz-decoded-content-length');
      edits.remove.add('x-amz-trailer');
      edits.set['x-amz-content-sha256'] = sha256hex(decoded);
      const ce = (req.headers['content-encoding'] || '')
        .split(',').map(s => s.trim()).filter(s => s && s.toLowerCase() !== 'aws-chunked');
      if (ce.length) edits.set['content-encoding'] = ce.join(',');
      else edits.remove.add('content-encoding');
    }
  }
  const md5 = req.headers['content-md5'];
  if (md5 !== undefined) {
    if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) {
      throw new S3Err(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', { 'Content-MD5': md5 });
    }
    if (crypto.createHash('md5').update(payload).digest('base64') !== md5) {
      throw new S3Err(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.',
        { ExpectedDigest: md5 });
    }
  }
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-algorithm' && name !== 'x-amz-checksum-type') {
      checkChecksum(name, req.headers[name], payload);
    }
  }
  return { body: payload, edits };
}

// ---------------------------------------------------------------------------
// encoding-type=url (s3rver ignores it; S3 encodes Key, Prefix, Delimiter,
// StartAfter, Marker, NextMarker and adds <EncodingType>url</EncodingType>).
// Encoding as observed from S3: RFC 3986 unreserved characters and '/' are kept,
// space becomes '+', everything else is %XX of its UTF-8 bytes.  (Clients decode
// with '+' -> space, e.g. botocore's unquote_plus.)
function s3UrlEncode(s) {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~/]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
function xmlUnescape(s) {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (m, e) => {
    switch (e) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
      default:
        return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}
function rewriteListingEncoding(xml) {
  if (!/<ListBucketResult[\s>]/.test(xml) || /<EncodingType>/.test(xml)) return xml;
  let out = xml.replace(/<(Key|Prefix|Delimiter|StartAfter|Marker|NextMarker)>([^<]*)<\/\1>/g,
    (m, tag, text) => `<${tag}>${s3UrlEncode(xmlUnescape(text))}</${tag}>`);
  out = out.replace(/<IsTruncated>/, '<EncodingType>url</EncodingType><IsTruncated>');
  return out;
}

// ---------------------------------------------------------------------------
// DeleteObjects.  s3rver parses the request with fast-xml-parser defaults, which
// trims whitespace around keys and turns numeric-looking keys ("123", "0123",
// "1e3") into numbers (=> wrong key or a 500), and it ignores <Quiet>.  With the fix
// (default) the proxy parses the verified XML body itself and performs one real
// DELETE per key against s3rver, building S3's DeleteResult from the outcomes.
function parseDeleteXml(xml) {
  if (!/^\s*(<\?xml[^>]*\?>)?\s*<Delete[\s>]/.test(xml) || !/<\/Delete>\s*$/.test(xml)) return null;
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/.test(xml);
  const objects = [];
  const re = /<Object>([\s\S]*?)<\/Object>/g;
  let m;
  while ((m = re.exec(xml))) {
    const k = /<Key>([\s\S]*?)<\/Key>/.exec(m[1]);
    if (!k) return null;
    const v = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(m[1]);
    objects.push({ key: xmlUnescape(k[1]), versionId: v ? xmlUnescape(v[1]) : undefined });
  }
  if (!objects.length) return null;
  return { quiet, objects };
}

// s3rver's object keys come from koa-router's decodeURIComponent of the path, so a
// key must be sent with every byte that is not unreserved or '/' percent-encoded.
function encodeKeyForPath(key) {
  return Buffer.from(key, 'utf8').reduce((acc, b) => {
    const c = String.fromCharCode(b);
    return acc + (/[A-Za-z0-9\-_.~/]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0'));
  }, '');
}

// ---------------------------------------------------------------------------
// forwarding

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);
let backendPort = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function backendRequest(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: backendPort, method, path: url, headers, agent }, resolve);
    r.on('error', reject);
    r.end(body);
  });
}

function forwardHeaders(req, body, edits) {
  const out = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const lname = raw[i].toLowerCase();
    if (HOP.has(lname) || lname === 'content-length') continue;
    if (edits && (edits.remove.has(lname) || lname in edits.set)) continue;
    if (out[raw[i]] === undefined) out[raw[i]] = raw[i + 1];
    else out[raw[i]] = [].concat(out[raw[i]], raw[i + 1]);
  }
  if (edits) Object.assign(out, edits.set);
  if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    out['Content-Length'] = String(body.length);
  }
  return out;
}

function responseHeaders(bres, bodyLength) {
  const out = {};
  const raw = bres.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const lname = raw[i].toLowerCase();
    if (HOP.has(lname)) continue;
    if (bodyLength !== undefined && lname === 'content-length') continue;
    if (out[raw[i]] === undefined) out[raw[i]] = raw[i + 1];
    else out[raw[i]] = [].concat(out[raw[i]], raw[i + 1]);
  }
  if (bodyLength !== undefined) out['Content-Length'] = String(bodyLength);
  return out;
}

async function readAll(stream, limit) {
  const chunks = [];
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    if (limit !== undefined && n > limit) {
      throw new S3Err(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size (proxy --max-body)');
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function deleteObjectsFixed(req, res, rawPath, body, reqId) {
  const parsed = parseDeleteXml(body.toString('utf8'));
  if (!parsed) {
    throw new S3Err(400, 'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema');
  }
  if (parsed.objects.length > 1000) {
    throw new S3Err(400, 'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const bucketPath = rawPath.replace(/\/+$/, '');
  const baseHeaders = forwardHeaders(req, Buffer.alloc(0), null);
  for (const h of Object.keys(baseHeaders)) {
    if (/^(content-md5|content-type|x-amz-checksum-.*|x-amz-sdk-checksum-algorithm)$/i.test(h)) delete baseHeaders[h];
  }
  baseHeaders['x-amz-content-sha256'] = sha256hex(Buffer.alloc(0));
  // the bucket must exist (S3 answers NoSuchBucket for the whole request)
  const loc = await backendRequest('GET', `${bucketPath}?location`, { ...baseHeaders }, Buffer.alloc(0));
  const locBody = await readAll(loc);
  if (loc.statusCode !== 200) {
    res.writeHead(loc.statusCode, responseHeaders(loc, locBody.length));
    res.end(locBody);
    return `backend ${loc.statusCode} on bucket check`;
  }
  let x = '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">';
  const results = [];
  const work = parsed.objects.map(o => async () => {
    if (o.key === '') return { o, err: ['UserKeyMustBeSpecified', 'The key must be specified'] };
    if (Buffer.byteLength(o.key, 'utf8') > 1024) return { o, err: ['KeyTooLongError', 'Your key is too long'] };
    const problem = s3rverKeyProblem(o.key);
    if (problem) return { o, err: ['NotImplemented', keyProblemError(problem).message] };
    const url = `${bucketPath}/${encodeKeyForPath(o.key)}`;
    const r = await backendRequest('DELETE', url, { ...baseHeaders }, Buffer.alloc(0));
    const txt = (await readAll(r)).toString('utf8');
    if (r.statusCode === 204 || r.statusCode === 200 || r.statusCode === 404) return { o };
    const code = (/<Code>([^<]*)<\/Code>/.exec(txt) || [])[1] || 'InternalError';
    const msg = (/<Message>([^<]*)<\/Message>/.exec(txt) || [])[1] || `s3rver answered ${r.statusCode}`;
    return { o, err: [code, xmlUnescape(msg)], status: r.statusCode };
  });
  // a few at a time, results kept in request order
  const width = 8;
  for (let i = 0; i < work.length; i += width) {
    results.push(...(await Promise.all(work.slice(i, i + width).map(f => f()))));
  }
  let failed = 0;
  for (const r of results) {
    if (r.err) {
      failed++;
      x += `<Error><Key>${xmlEscape(r.o.key)}</Key>${r.o.versionId !== undefined ? `<VersionId>${xmlEscape(r.o.versionId)}</VersionId>` : ''}` +
        `<Code>${xmlEscape(r.err[0])}</Code><Message>${xmlEscape(r.err[1])}</Message></Error>`;
    } else if (!parsed.quiet) {
      x += `<Deleted><Key>${xmlEscape(r.o.key)}</Key>${r.o.versionId !== undefined ? `<VersionId>${xmlEscape(r.o.versionId)}</VersionId>` : ''}</Deleted>`;
    }
  }
  x += '</DeleteResult>';
  const buf = Buffer.from(x, 'utf8');
  res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': buf.length, 'x-amz-request-id': reqId });
  res.end(buf);
  return `ok delete-objects n=${results.length} errors=${failed}`;
}

// Object key of a path-style URL, decoded the way s3rver (koa-router) decodes it.
function keyOfPath(rawPath) {
  const m = /^\/[^/]+\/(.*)$/s.exec(rawPath);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch (e) {
    return m[1];
  }
}
// Keys s3rver's filesystem store cannot represent faithfully.  It stores key
// "a/b/c" as the file DATA/bucket/a/b/c._S3rver_object (plus ._S3rver_object.md5
// and ._S3rver_metadata.json next to it), joining segments with path.join:
//  - an empty segment ("a//b", "/a") does not even route (plain-text 404);
//  - "." and ".." segments are normalised away: "a/./b" IS "a/b", "a/../b" IS "b"
//    (so a DELETE of "x/../b" deletes "b"), and "../x" escapes the bucket directory;
//  - a last segment over 233 bytes or another over 255 exceeds NAME_MAX: a PUT
//    kills the whole s3rver process (unhandled ENAMETOOLONG on a write stream);
//  - a non-last segment containing "._S3rver_" can collide with bookkeeping files.
// For such keys the proxy answers 501 NotImplemented for every method instead.
const S3RVER_LONGEST_SUFFIX = '._S3rver_metadata.json'.length;
function s3rverKeyProblem(key) {
  const segs = key.split('/');
  for (let i = 0; i < segs.length; i++) {
    const last = i === segs.length - 1;
    const seg = segs[i];
    if (!last && seg === '') return 'it has an empty path segment (leading "/" or "//")';
    if (!last && (seg === '.' || seg === '..')) return `its path segment ${i + 1} is "${seg}", which s3rver's path.join normalises away`;
    if (!last && seg.includes('._S3rver_')) return `its path segment ${i + 1} contains "._S3rver_"`;
    const limit = last ? 255 - S3RVER_LONGEST_SUFFIX : 255;
    const bytes = Buffer.byteLength(seg, 'utf8');
    if (bytes > limit) {
      return `its path segment ${i + 1} is ${bytes} bytes, over s3rver's filesystem limit of ${limit} ` +
        '(NAME_MAX 255 minus the longest s3rver file suffix); a PUT would crash s3rver';
    }
  }
  return null;
}
function keyProblemError(problem) {
  return new S3Err(501, 'NotImplemented',
    `s3rver cannot store or address this key faithfully: ${problem}. ` +
    'Real S3 accepts any key of 1 to 1024 bytes; this test endpoint cannot. See tests/s3rver/README.');
}

function sendError(req, res, err, reqId, closeConn) {
  const body = Buffer.from(errorXml(err, reqId), 'utf8');
  const h = { 'Content-Type': 'application/xml', 'Content-Length': body.length, 'x-amz-request-id': reqId };
  if (closeConn) h['Connection'] = 'close';
  res.writeHead(err.status, h);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function redactUrl(url) {
  return url.replace(/([?&]X-Amz-Security-Token=)[^&]*/gi, '$1<redacted>');
}

async function handle(req, res, expectContinue) {
  const reqId = crypto.randomBytes(8).toString('hex').toUpperCase();
  const url = req.url;
  const qi = url.indexOf('?');
  const rawPath = qi < 0 ? url : url.slice(0, qi);
  const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
  let bodyRead = false;
  let verdict = '';
  if (opts.logHeaders) {
    const hs = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const v = /^x-amz-security-token$/i.test(req.rawHeaders[i]) ? '<redacted>' : req.rawHeaders[i + 1];
      hs.push(`${req.rawHeaders[i]}: ${v}`);
    }
    log(`> ${req.method} ${redactUrl(url)} ${JSON.stringify(hs)}`);
  }
  try {
    const ctx = await verifyHeaders(req, rawPath, rawQuery);
    if (expectContinue) res.writeContinue();
    const raw = await readAll(req, opts.maxBody);
    bodyRead = true;
    const { body, edits } = await verifyBody(req, ctx, raw);
    verdict = `ok ${ctx.kind}`;

    const { query } = parseQuery(rawQuery);
    const isBucketLevel = /^\/[^/]+\/?$/.test(rawPath);
    if (req.method === 'POST' && isBucketLevel && Object.prototype.hasOwnProperty.call(query, 'delete')) {
      if (req.headers['content-md5'] === undefined &&
          !Object.keys(req.headers).some(h => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-algorithm')) {
        throw new S3Err(400, 'InvalidRequest', 'Missing required header for this request: Content-Md5');
      }
      if (opts.deleteObjectsFix) {
        verdict = await deleteObjectsFixed(req, res, rawPath, body, reqId);
        log(`${req.method} ${redactUrl(url)} ${res.statusCode} ${verdict}`);
        return;
      }
    }
    const key = keyOfPath(rawPath);
    if (key !== null && !isBucketLevel) {
      const problem = s3rverKeyProblem(key);
      if (problem) throw keyProblemError(problem);
    }
    let rewriteListing = false;
    if (req.method === 'GET' && isBucketLevel && Object.prototype.hasOwnProperty.call(query, 'encoding-type')) {
      if (query['encoding-type'] !== 'url') {
        throw new S3Err(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request',
          { ArgumentName: 'encoding-type', ArgumentValue: String(query['encoding-type']) });
      }
      rewriteListing = opts.encodingType;
    }

    let backendUrl = url;
    let restoreToken = null;
    if (opts.listingFix && req.method === 'GET' && isBucketLevel && query['list-type'] === '2' &&
        typeof query['continuation-token'] === 'string') {
      const t = decryptS3rverToken(query['continuation-token']);
      if (t && /[\n\r\u2028\u2029]/.test(t.key)) {
        restoreToken = query['continuation-token'];
        const { list } = parseQuery(rawQuery);
        const kept = list.filter(([n]) => n !== 'continuation-token' && n !== 'start-after');
        kept.push(['start-after', t.key]);
        backendUrl = `${rawPath}?${kept.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&')}`;
        verdict += ' token->start-after';
      }
    }
    const bres = await backendRequest(req.method, backendUrl, forwardHeaders(req, body, edits), body);
    if ((rewriteListing || restoreToken !== null) && bres.statusCode === 200) {
      let xml = (await readAll(bres)).toString('utf8');
      if (restoreToken !== null) {
        xml = xml.replace(/<StartAfter>[^<]*<\/StartAfter>/, '')
          .replace(/<KeyCount>/, `<ContinuationToken>${xmlEscape(restoreToken)}</ContinuationToken><KeyCount>`);
      }
      if (rewriteListing) xml = rewriteListingEncoding(xml);
      const buf = Buffer.from(xml, 'utf8');
      res.writeHead(bres.statusCode, responseHeaders(bres, buf.length));
      res.end(buf);
      if (rewriteListing) verdict += ' encoding-type=url';
    } else {
      res.writeHead(bres.statusCode, bres.statusMessage, responseHeaders(bres));
      bres.pipe(res);
      await new Promise((resolve) => { res.on('finish', resolve); res.on('close', resolve); });
    }
    log(`${req.method} ${redactUrl(url)} ${bres.statusCode} ${verdict}`);
  } catch (e) {
    const err = e instanceof S3Err ? e : new S3Err(500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (!(e instanceof S3Err)) log(`internal error: ${e && e.stack ? e.stack : e}`);
    if (res.headersSent) {
      res.destroy();
    } else {
      sendError(req, res, err, reqId, !bodyRead);
    }
    let line = `${req.method} ${redactUrl(url)} ${err.status} REJECT ${err.code}: ${e.why || err.message}`;
    if (err.extra.HeadersNotSigned) line += ` [${err.extra.HeadersNotSigned}]`;
    if (err.extra.CanonicalRequest) line += `; smithy's canonical request: ${JSON.stringify(err.extra.CanonicalRequest)}`;
    log(line);
    if (!bodyRead) req.resume();
  }
}

// ---------------------------------------------------------------------------
// Listing order.  s3rver lists by walking the bucket directory (readdir order =
// bytewise order of FILE names) and pages with "skip keys <= StartAfter".  File
// names are "<segment>._S3rver_object" and directories "<segment>", so the walk
// order is not key order whenever a key is a prefix of a sibling followed by a
// byte below '_' ("a" vs "a b", "file" vs "file.1", "x" vs "x-y"), or a directory
// has a sibling continuing with a byte below '/' ("d/k" vs "d-x", "d.txt"); keys
// straddling a page boundary are then silently LOST or DUPLICATED.  The fix
// (default; --no-listing-fix disables) makes s3rver's own walk visit each
// directory in S3 key order (UTF-8 bytes; a directory sorts as "<segment>/").
// s3rver still does all the listing, filtering and paging itself.
function installListingFix() {
  const utils = require('s3rver/lib/utils'); // before s3rver's store binds walk
  const SUFFIX = '._S3rver_object';
  // s3rver also skips keys "<= StartAfter" with JS string comparison (UTF-16 code
  // units), which disagrees with S3's byte order for characters above U+FFFF
  // versus U+E000..U+FFFF: keys would be lost across pages.  So the position is
  // taken away from s3rver's filter and applied in the walk, bytewise.
  let walkStartAfter = null;
  utils.walk = function* walk(dir, recurseFilter, root = dir) {
    const entries = fs.readdirSync(dir).map(name => {
      const p = path.posix.join(dir, name);
      const isDir = fs.statSync(p).isDirectory();
      const k = isDir ? `${name}/` : name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : name;
      return { p, isDir, k: Buffer.from(k, 'utf8') };
    });
    entries.sort((a, b) => Buffer.compare(a.k, b.k) || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
    const after = walkStartAfter;
    for (const e of entries) {
      if (after) {
        // full key (or key prefix, for a directory) of this entry
        const rel = Buffer.from(e.p.slice(root.length + 1) + (e.isDir ? '/' : ''), 'utf8');
        const full = e.isDir ? rel : rel.subarray(0, rel.length - Buffer.byteLength(SUFFIX));
        if (e.isDir) {
          // every key below starts with `full`; skip the directory if all are <= after
          if (Buffer.compare(full, after) < 0 && !after.subarray(0, full.length).equals(full)) continue;
        } else if (e.p.endsWith(SUFFIX) && Buffer.compare(full, after) <= 0) {
          continue;
        }
      }
      if (!e.isDir) yield e.p;
      else if (!recurseFilter || recurseFilter(e.p)) yield* walk(e.p, recurseFilter, root);
    }
  };
  const FilesystemStore = require('s3rver/lib/stores/filesystem');
  const listObjects = FilesystemStore.prototype.listObjects;
  FilesystemStore.prototype.listObjects = async function (bucket, options) {
    // the original iterates the walk synchronously before its first await
    walkStartAfter = options.startAfter ? Buffer.from(options.startAfter, 'utf8') : null;
    let p;
    try {
      p = listObjects.call(this, bucket, { ...options, startAfter: undefined });
    } finally {
      walkStartAfter = null;
    }
    const result = await p;
    result.commonPrefixes.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
    return result;
  };
}

// s3rver's ListObjectsV2 continuation token is DES("us-east-1/<bucket>/<last key>"),
// parsed back with /([\w-.]+)\/([\w-.]+)\/(.+)/ whose "." stops at a line
// terminator: a page ending on a key containing \n, \r, U+2028 or U+2029 makes the
// next page restart at the key's first line (duplicates; with small pages an
// endless loop).  With the listing fix the proxy decrypts such a token itself and
// hands s3rver the same position as start-after, then restores the response's
// ContinuationToken element.
function decryptS3rverToken(token) {
  try {
    const buf = Buffer.from(token, 'base64');
    if (buf.length < 16) return null;
    const d = crypto.createDecipheriv('des', Buffer.alloc(8, 'S3RVER', 'utf8'), buf.subarray(0, 8));
    const plain = Buffer.concat([d.update(buf.subarray(8)), d.final()]).toString('utf8');
    const m = /^([\w.-]+)\/([\w.-]+)\/(.+)$/s.exec(plain);
    return m ? { region: m[1], bucket: m[2], key: m[3] } : null;
  } catch (e) {
    return null;
  }
}

// ---------------------------------------------------------------------------
// startup

async function main() {
  fs.mkdirSync(opts.dir, { recursive: true });
  if (opts.listingFix) installListingFix();
  const S3rver = require('s3rver');
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');
  // The backend must accept every request the proxy forwards: s3rver knows only
  // its own S3RVER key pair and never checks V4 signatures, so register ours.
  DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY, SECRET_KEY);
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.resolve(opts.dir),
    vhostBuckets: false,
    allowMismatchedSignatures: true,
    configureBuckets: opts.buckets.map(name => ({ name })),
  });
  const addr = await s3rver.run();
  backendPort = addr.port;

  const server = http.createServer({ requestTimeout: 0 }, (req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.keepAliveTimeout = 65000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  if (opts.portFile) {
    // Renaming over a device (--port-file /dev/null) would replace it.
    let special = false;
    try { special = !fs.statSync(opts.portFile).isFile(); } catch (e) { /* absent: fine */ }
    if (special) {
      fs.writeFileSync(opts.portFile, `${port}\n`);
    } else {
      const tmp = `${opts.portFile}.tmp.${process.pid}`;
      fs.writeFileSync(tmp, `${port}\n`);
      fs.renameSync(tmp, opts.portFile);
    }
  }
  log(`listening on 127.0.0.1:${port} (s3rver on 127.0.0.1:${backendPort}, data ${opts.dir}, region ${opts.region}, access key ${ACCESS_KEY})`);

  let stopping = false;
  const stop = sig => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: shutting down`);
    setTimeout(() => process.exit(0), 3000).unref();
    server.close();
    server.closeAllConnections();
    agent.destroy();
    s3rver.close().catch(() => {}).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// s3rver has code paths where a filesystem error is emitted on a stream nobody
// listens to; without this the whole test server would die with it.
process.on('uncaughtException', e => {
  process.stderr.write(`proxy.js: uncaught exception (s3rver bug?), continuing: ${e && e.stack ? e.stack : e}\n`);
});

main().catch(e => {
  process.stderr.write(`proxy.js: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
