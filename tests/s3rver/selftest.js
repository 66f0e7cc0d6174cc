#!/usr/bin/env node
// Self-test of proxy.js (and of s3rver behind it).
//
// usage: node selftest.js                 start a proxy of its own (temp dir), run all
//                                          tests, stop it; prints "N passed, M failed"
//        node selftest.js --port PORT     test an already running proxy (default creds)
//        (--no-sign: skip the sign.js tests)
//        node selftest.js populate --port PORT --bucket NAME [--count 3000]
//                                          create the bucket and the odd-key objects,
//                                          print the expected keys as JSON on stdout
//        node selftest.js sign-lines [N]     N sign.js input lines (default 10000)
//
// Requests are signed here by a small SigV4 implementation written independently
// of @smithy/signature-v4 (node's crypto only), so the proxy's verdicts are checked
// against a second implementation.  Exit status: 0 if all passed, 1 otherwise.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const AK = process.env.S3GC_TEST_ACCESS_KEY || 's3gcTESTKEY';
const SK = process.env.S3GC_TEST_SECRET_KEY || 's3gcTESTSECRET';
const REGION = 'us-east-1';
const EMPTY_SHA = crypto.createHash('sha256').update('').digest('hex');

// ---------------------------------------------------------------------------
// independent SigV4

const sha256 = b => crypto.createHash('sha256').update(b).digest('hex');
const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
function uriEncode(s, keepSlash) {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
const cmpBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
function amzDate(d) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
function signingKey(secret, day) {
  let k = hmac(`AWS4${secret}`, day);
  for (const s of [REGION, 's3', 'aws4_request']) k = hmac(k, s);
  return k;
}
// query: [[decodedName, decodedValue], ...]; headers: {name: value} (signed ones)
function canonical(method, encPath, query, headers, payloadHash) {
  const cq = query.map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => cmpBytes(a[0], b[0]) || cmpBytes(a[1], b[1]))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const names = Object.keys(headers).map(h => h.toLowerCase()).sort();
  const lower = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = String(v).replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
  const ch = names.map(n => `${n}:${lower[n]}\n`).join('');
  return { creq: `${method}\n${encPath}\n${cq}\n${ch}\n${names.join(';')}\n${payloadHash}`, signed: names.join(';') };
}
function signHeaderAuth({ method, encPath, query, headers, payloadHash, date, secret = SK, ak = AK, token }) {
  const t = amzDate(date);
  const h = { ...headers, 'x-amz-date': t, 'x-amz-content-sha256': payloadHash };
  if (token !== undefined) h['x-amz-security-token'] = token;
  const { creq, signed } = canonical(method, encPath, query, h, payloadHash);
  const scope = `${t.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${t}\n${scope}\n${sha256(creq)}`;
  const key = signingKey(secret, t.slice(0, 8));
  const sig = hmac(key, sts).toString('hex');
  h.authorization = `AWS4-HMAC-SHA256 Credential=${ak}/${scope}, SignedHeaders=${signed}, Signature=${sig}`;
  return { headers: h, sig, key, scope, t };
}
function presignQuery({ method, encPath, query, host, date, expires, secret = SK, ak = AK, token }) {
  const t = amzDate(date);
  const scope = `${t.slice(0, 8)}/${REGION}/s3/aws4_request`;
  const q = [...query,
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', `${ak}/${scope}`],
    ['X-Amz-Date', t], ['X-Amz-Expires', String(expires)], ['X-Amz-SignedHeaders', 'host']];
  if (token !== undefined) q.push(['X-Amz-Security-Token', token]);
  const { creq } = canonical(method, encPath, q, { host }, 'UNSIGNED-PAYLOAD');
  const sts = `AWS4-HMAC-SHA256\n${t}\n${scope}\n${sha256(creq)}`;
  q.push(['X-Amz-Signature', hmac(signingKey(secret, t.slice(0, 8)), sts).toString('hex')]);
  return q;
}
// aws-chunked body; mode 'signed' | 'signed-trailer' | 'unsigned-trailer'
function awsChunked(data, chunkSize, mode, ctx, trailers) {
  const parts = [];
  let prev = ctx && ctx.sig;
  const chunkSig = chunk => {
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${ctx.t}\n${ctx.scope}\n${prev}\n${EMPTY_SHA}\n${sha256(chunk)}`;
    prev = hmac(ctx.key, sts).toString('hex');
    return prev;
  };
  const chunks = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const c of chunks) {
    const head = c.length.toString(16) + (mode.startsWith('signed') ? `;chunk-signature=${chunkSig(c)}` : '');
    parts.push(Buffer.from(head + '\r\n'), c);
    if (c.length) parts.push(Buffer.from('\r\n'));
  }
  if (mode.endsWith('trailer')) {
    let tr = trailers.map(([n, v]) => `${n}:${v}\n`).join('');
    parts.push(Buffer.from(tr.replace(/\n/g, '\r\n')));
    if (mode === 'signed-trailer') {
      const sts = `AWS4-HMAC-SHA256-TRAILER\n${ctx.t}\n${ctx.scope}\n${prev}\n${sha256(tr)}`;
      parts.push(Buffer.from(`x-amz-trailer-signature:${hmac(ctx.key, sts).toString('hex')}\r\n`));
    }
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------
// HTTP

let PORT = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const hostHdr = () => `127.0.0.1:${PORT}`;

function send({ method, url, headers = {}, body, chunked, expectContinue }) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== undefined && !chunked) h['content-length'] = body.length;
    if (expectContinue) h.expect = '100-continue';
    const r = http.request({ host: '127.0.0.1', port: PORT, method, path: url, headers: h, agent: expectContinue ? false : agent }, res => {
      const ch = [];
      res.on('data', c => ch.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(ch), continued: r._continued }));
    });
    r.on('error', reject);
    if (expectContinue) {
      r.on('continue', () => { r._continued = true; r.end(body); });
      r.flushHeaders();
    } else if (chunked) {
      for (let i = 0; i < body.length; i += 1000) r.write(body.subarray(i, i + 1000));
      r.end();
    } else {
      r.end(body);
    }
  });
}

// a signed request; opts: method, bucket, key, query [[k,v]], headers, body,
// payloadHash (default sha256(body)), secret, ak, token, date, rawBody (sent instead)
async function s3(o) {
  const method = o.method || 'GET';
  const body = o.body || Buffer.alloc(0);
  const encPath = '/' + (o.bucket || '') + (o.key !== undefined ? '/' + uriEncode(o.key, true) : '');
  const query = o.query || [];
  const qs = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  const s = signHeaderAuth({
    method, encPath, query, headers: { host: hostHdr(), ...(o.headers || {}) },
    payloadHash: o.payloadHash || sha256(body), date: o.date || new Date(),
    secret: o.secret, ak: o.ak, token: o.token,
  });
  const headers = { ...s.headers, ...(o.extraHeaders || {}) };
  if (o.mutate) o.mutate(headers, s);
  const sendBody = o.makeBody ? o.makeBody(s) : body;
  const r = await send({ method, url: encPath + (qs ? '?' + qs : ''), headers, body: method === 'GET' || method === 'HEAD' ? undefined : sendBody, chunked: o.chunked, expectContinue: o.expectContinue });
  r.text = r.body.toString('utf8');
  r.code = (/<Code>([^<]*)<\/Code>/.exec(r.text) || [])[1];
  return r;
}

function decodeListKey(s) {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}
async function listAll(bucket, maxKeys, extraQuery = []) {
  const keys = [];
  let token;
  let pages = 0;
  for (;;) {
    const q = [['list-type', '2'], ['encoding-type', 'url'], ['max-keys', String(maxKeys)], ...extraQuery];
    if (token) q.push(['continuation-token', token]);
    const r = await s3({ bucket, query: q });
    if (r.status !== 200) throw new Error(`list page ${pages}: ${r.status} ${r.text}`);
    pages++;
    if (pages > 100000) throw new Error('listing does not end');
    for (const m of r.text.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(decodeListKey(m[1]));
    const t = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(r.text);
    if (!t) break;
    token = t[1].replace(/&amp;/g, '&');
  }
  return { keys, pages };
}

// ---------------------------------------------------------------------------
// the odd keys

function oddKeys(count = 3000) {
  const specials = [' ', '+', '%', '~', '&', '=', '\t', '\n', '\r', 'é', '日本', '😀', 'ｱ', '-', '.', '!', '#',
    '"', "'", '<', '>', '?', '\\', ',', ';', ':', '@', '$', '(', ')', '*', '[', ']', '{', '}', '|', '^', '`',
    '%20', '%2F', '+%2B', '\x01', '\x7f', '\u2028'];
  const keys = new Set();
  // pairs whose order s3rver's own directory walk gets wrong
  for (const b of ['a', 'file', 'd', 'x']) {
    for (const t of ['', ' b', '.1', '-b', '/b', '/c/d', '!', '\t', '.txt', '\n', '/\n']) keys.add(b + t);
  }
  // one key of exactly 1,024 bytes (segments short enough for s3rver's files)
  let long = '';
  while (Buffer.byteLength(long) < 1024) long += (long ? '/' : '') + 'L'.repeat(200);
  keys.add(long.slice(0, 1024));
  for (let i = 0; keys.size < count; i++) {
    const s1 = specials[i % specials.length];
    const s2 = specials[(i * 7 + 3) % specials.length];
    const dir = ['', 'odd/', 'odd-/', 'odd /', 'odd.x/', `p${i % 5}/`, `é/${s1.replace(/[./]/g, '_')}/`][i % 7];
    keys.add(`${dir}k${s1}${i}${s2}end`);
  }
  return [...keys];
}

async function pool(items, width, fn) {
  let i = 0;
  const out = [];
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) {
      const j = i++;
      out[j] = await fn(items[j], j);
    }
  }));
  return out;
}

async function populate(bucket, count) {
  const r = await s3({ method: 'PUT', bucket });
  if (r.status !== 200 && r.code !== 'BucketAlreadyOwnedByYou' && r.code !== 'BucketAlreadyExists') {
    throw new Error(`create bucket: ${r.status} ${r.text}`);
  }
  const keys = oddKeys(count);
  await pool(keys, 8, async k => {
    const p = await s3({ method: 'PUT', bucket, key: k, body: Buffer.from(k, 'utf8') });
    if (p.status !== 200) throw new Error(`PUT ${JSON.stringify(k)}: ${p.status} ${p.text}`);
  });
  return keys;
}

// ---------------------------------------------------------------------------
// sign.js input generator, signed by the independent implementation above

function signLine(o) {
  const grouped = new Map();
  for (const [k, v] of o.headers) {
    const n = k.toLowerCase();
    if (!grouped.has(n)) grouped.set(n, []);
    grouped.get(n).push(v.replace(/[ \t]+/g, ' ').replace(/^ | $/g, ''));
  }
  const h = {};
  for (const [n, vals] of grouped) h[n] = vals.join(',');
  h['x-amz-date'] = o.time;
  if (o.session_token !== undefined) h['x-amz-security-token'] = o.session_token;
  const { creq } = canonical(o.method, o.path, o.query, h, o.payload_hash);
  const scope = `${o.time.slice(0, 8)}/${o.region}/${o.service}/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${o.time}\n${scope}\n${sha256(creq)}`;
  let k = hmac(`AWS4${o.secret_key}`, o.time.slice(0, 8));
  for (const x of [o.region, o.service, 'aws4_request']) k = hmac(k, x);
  return hmac(k, sts).toString('hex');
}

function genSignLines(n) {
  let seed = 12345;
  const rnd = m => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % m;
  };
  const pick = a => a[rnd(a.length)];
  const bits = ['a', 'b c', 'x+y', '100%', '~t', 'é', '日本', '😀', '&', '=', '?', '#', '\t', '\n', '/', '', 'Z9', '-_.'];
  const lines = [];
  for (let i = 0; i < n; i++) {
    const key = Array.from({ length: 1 + rnd(4) }, () => pick(bits)).join('');
    const query = Array.from({ length: rnd(5) }, () => [pick(['prefix', 'list-type', 'a', 'A', 'b c', 'x+y', 'é', 'delete', 'max-keys']), Array.from({ length: rnd(3) }, () => pick(bits)).join('')]);
    const body = crypto.createHash('sha256').update(String(i)).digest('hex');
    const payload = rnd(4) === 0 ? 'UNSIGNED-PAYLOAD' : body;
    const host = pick(['127.0.0.1:9000', 's3.amazonaws.com', 'bucket.s3.eu-west-1.amazonaws.com', 'localhost']);
    const headers = [['host', host], ['x-amz-content-sha256', payload]];
    if (rnd(2)) headers.push(['Content-Type', pick(['text/plain', 'application/octet-stream', '  spaced   out  '])]);
    if (rnd(3) === 0) headers.push(['X-Amz-Meta-Rep', 'one '], ['x-amz-meta-rep', ' two  words'], ['x-amz-meta-rep', '3']);
    if (rnd(4) === 0) headers.push(['content-md5', '1B2M2Y8AsgTpgAmY7PhCfg==']);
    const t = new Date(Date.UTC(2020 + rnd(10), rnd(12), 1 + rnd(28), rnd(24), rnd(60), rnd(60)));
    const o = {
      id: i,
      method: pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']),
      host,
      path: '/' + pick(['bkt', 'my-bucket']) + '/' + uriEncode(key, true),
      query,
      headers,
      payload_hash: payload,
      access_key: pick(['AKIDEXAMPLE', 's3gcTESTKEY']),
      secret_key: pick(['wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 's3gcTESTSECRET', 'sé€ret']),
      region: pick(['us-east-1', 'eu-west-1', 'auto']),
      service: 's3',
      time: amzDate(t),
    };
    if (rnd(3) === 0) o.session_token = pick(['FQoGZXIvYXdzE+/=', 'tok en', 'x'.repeat(300)]);
    o.signature = signLine(o);
    lines.push(JSON.stringify(o));
  }
  return lines;
}

function runSignJs(input) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [path.join(__dirname, 'sign.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    c.stdout.on('data', d => out.push(d));
    c.stderr.on('data', d => err.push(d));
    c.on('error', reject);
    c.on('close', code => resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
    c.stdin.end(input);
  });
}

async function signJsTests() {
  const lines = genSignLines(10000);
  const t0 = Date.now();
  let r = await runSignJs(lines.join('\n') + '\n');
  const ms = Date.now() - t0;
  const res = r.out.trim().split('\n').map(l => JSON.parse(l));
  check(`sign.js agrees with an independent signer on 10,000 requests (${ms} ms)`,
    r.code === 0 && res.length === 10000 && res.every(x => x.match === true) && /^10000 requests, 0 mismatches$/m.test(r.err),
    `exit ${r.code}, ${r.err.trim()}, first mismatch ${JSON.stringify(res.find(x => !x.match))}`);
  check('sign.js handles 10,000 lines in a few seconds', ms < 10000, `${ms} ms`);
  const bad = lines.slice(0, 50);
  const o = JSON.parse(bad[17]);
  o.signature = o.signature.replace(/^./, c => (c === 'a' ? 'b' : 'a'));
  bad[17] = JSON.stringify(o);
  r = await runSignJs(bad.join('\n'));
  const res2 = r.out.trim().split('\n').map(l => JSON.parse(l));
  check('sign.js flags one altered signature (exit 1, 1 mismatch)',
    r.code === 1 && /^50 requests, 1 mismatches$/m.test(r.err) && res2.filter(x => !x.match).length === 1 &&
    res2[17].match === false && typeof res2[17].canonical_request === 'string', `exit ${r.code}: ${r.err}`);
  const o2 = JSON.parse(lines[3]);
  o2.headers.push(['User-Agent', 'x']);
  r = await runSignJs(JSON.stringify(o2) + '\n');
  check('sign.js reports a listed header smithy will not sign ("dropped")',
    r.code === 0 && JSON.parse(r.out).dropped[0] === 'user-agent' && JSON.parse(r.out).match === true, r.out);
  r = await runSignJs(lines[0] + '\n{"id": 1, "method": \n');
  check('sign.js exits 2 on unparseable input', r.code === 2 && /line 2/.test(r.err), `exit ${r.code}: ${r.err}`);
  r = await runSignJs(Buffer.concat([Buffer.from(lines[0].replace('"GET"', '"G\u00e9T"').slice(0, 20)), Buffer.from([0xff, 0x0a])]));
  check('sign.js exits 2 on invalid UTF-8', r.code === 2 && /invalid UTF-8/.test(r.err), `exit ${r.code}: ${r.err}`);
}

// ---------------------------------------------------------------------------
// tests

let passed = 0;
let failed = 0;
function check(name, cond, detail) {
  if (cond) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}
const brief = r => `${r.status} ${r.code || ''} ${r.text.slice(0, 300)}`;

async function runTests() {
  const B = 'selftest-bucket';
  let r = await s3({ method: 'PUT', bucket: B });
  check('create bucket', r.status === 200, brief(r));

  const data = Buffer.from('hello, proxy\n');
  r = await s3({ method: 'PUT', bucket: B, key: 'dir/hello.txt', body: data });
  check('PUT object (signed payload)', r.status === 200, brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt' });
  check('GET object', r.status === 200 && r.body.equals(data), brief(r));
  r = await s3({ method: 'HEAD', bucket: B, key: 'dir/hello.txt' });
  check('HEAD object', r.status === 200 && r.headers['content-length'] === String(data.length), brief(r));

  // rejections
  r = await s3({ bucket: B, key: 'dir/hello.txt', secret: 'wrong' });
  check('wrong secret -> 403 SignatureDoesNotMatch', r.status === 403 && r.code === 'SignatureDoesNotMatch', brief(r));
  check('error is S3 XML with RequestId', /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<Error><Code>/.test(r.text) &&
    /<RequestId>[^<]+<\/RequestId>/.test(r.text) && /application\/xml/.test(r.headers['content-type']), r.text);
  check('mismatch error shows smithy canonical request', /<CanonicalRequest>GET\n\/selftest-bucket\/dir\/hello.txt\n/.test(r.text), r.text);
  r = await s3({ bucket: B, key: 'dir/hello.txt', ak: 'AKIDUNKNOWN' });
  check('unknown access key -> 403 InvalidAccessKeyId', r.status === 403 && r.code === 'InvalidAccessKeyId', brief(r));
  r = await send({ method: 'GET', url: `/${B}/dir/hello.txt` });
  r.text = r.body.toString();
  check('no auth -> 403 AccessDenied', r.status === 403 && /<Code>AccessDenied<\/Code>/.test(r.text), r.text);
  r = await s3({ method: 'HEAD', bucket: B, key: 'dir/hello.txt', secret: 'wrong' });
  check('HEAD with wrong secret -> 403, empty body', r.status === 403 && r.body.length === 0, brief(r));
  r = await s3({ method: 'PUT', bucket: B, key: 'x', body: data, payloadHash: sha256('other') });
  check('body not matching x-amz-content-sha256 -> 400 XAmzContentSHA256Mismatch', r.status === 400 && r.code === 'XAmzContentSHA256Mismatch', brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', extraHeaders: { 'x-amz-meta-sneaky': '1' } });
  check('unsigned x-amz-* header -> 403 AccessDenied', r.status === 403 && r.code === 'AccessDenied' && /HeadersNotSigned/.test(r.text), brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', mutate: h => { h.authorization = h.authorization.replace('SignedHeaders=host;', 'SignedHeaders='); } });
  check('host not signed -> 403', r.status === 403, brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', mutate: h => { h.host = `localhost:${PORT}`; } });
  check('changed Host -> 403 SignatureDoesNotMatch', r.status === 403 && r.code === 'SignatureDoesNotMatch', brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', date: new Date(Date.now() - 20 * 60 * 1000) });
  check('20 min old x-amz-date -> 403 RequestTimeTooSkewed', r.status === 403 && r.code === 'RequestTimeTooSkewed', brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', mutate: h => { h.authorization = h.authorization.replace('/us-east-1/', '/eu-west-1/'); } });
  check('wrong region in credential scope -> 400 AuthorizationHeaderMalformed', r.status === 400 && r.code === 'AuthorizationHeaderMalformed', brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', query: [['a', '1']], mutate: () => {} });
  check('GET with extra query param signed -> 200', r.status === 200, brief(r));

  // session tokens
  r = await s3({ bucket: B, key: 'dir/hello.txt', token: 'FwoGZXIvYXdzEXAMPLE+/=token' });
  check('session token (signed) -> 200', r.status === 200, brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', token: 'tok1', mutate: h => { h['x-amz-security-token'] = 'tok2'; } });
  check('session token changed after signing -> 403', r.status === 403 && r.code === 'SignatureDoesNotMatch', brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', extraHeaders: { 'x-amz-security-token': 'unsigned' } });
  check('session token not signed -> 403', r.status === 403, brief(r));

  // payload variants
  r = await s3({ method: 'PUT', bucket: B, key: 'unsigned', body: data, payloadHash: 'UNSIGNED-PAYLOAD' });
  check('PUT UNSIGNED-PAYLOAD -> 200', r.status === 200, brief(r));
  r = await s3({ method: 'PUT', bucket: B, key: 'te-chunked', body: Buffer.alloc(5000, 'c'), chunked: true });
  check('PUT with Transfer-Encoding: chunked -> 200', r.status === 200, brief(r));
  r = await s3({ bucket: B, key: 'te-chunked' });
  check('... stored body intact', r.status === 200 && r.body.equals(Buffer.alloc(5000, 'c')), brief(r));
  r = await s3({ method: 'PUT', bucket: B, key: 'md5', body: data, headers: { 'content-md5': crypto.createHash('md5').update('x').digest('base64') } });
  check('wrong Content-MD5 -> 400 BadDigest', r.status === 400 && r.code === 'BadDigest', brief(r));
  r = await s3({ method: 'PUT', bucket: B, key: 'md5', body: data, headers: { 'content-md5': crypto.createHash('md5').update(data).digest('base64') } });
  check('right Content-MD5 -> 200', r.status === 200, brief(r));
  r = await s3({ method: 'PUT', bucket: B, key: 'expect', body: data, expectContinue: true, secret: 'wrong' });
  check('Expect: 100-continue with bad signature -> 403 before the body', r.status === 403 && !r.continued, brief(r));
  r = await s3({ method: 'PUT', bucket: B, key: 'expect', body: data, expectContinue: true });
  check('Expect: 100-continue with good signature -> 100 then 200', r.status === 200 && r.continued, brief(r));

  const big = crypto.randomBytes(200000);
  const dlen = { 'x-amz-decoded-content-length': String(big.length), 'content-encoding': 'aws-chunked' };
  r = await s3({ method: 'PUT', bucket: B, key: 'chunked-signed', headers: dlen, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', makeBody: s => awsChunked(big, 65536, 'signed', s) });
  check('PUT aws-chunked STREAMING-AWS4-HMAC-SHA256-PAYLOAD -> 200', r.status === 200, brief(r));
  r = await s3({ bucket: B, key: 'chunked-signed' });
  check('... stored body de-chunked', r.status === 200 && r.body.equals(big) && !/aws-chunked/.test(r.headers['content-encoding'] || ''), brief(r));
  r = await s3({ method: 'PUT', bucket: B, key: 'chunked-bad', headers: dlen, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    makeBody: s => { const b = awsChunked(big, 65536, 'signed', s); b[b.length - 100] ^= 1; return b; } });
  check('aws-chunked with a tampered chunk -> 403 SignatureDoesNotMatch', r.status === 403 && r.code === 'SignatureDoesNotMatch', brief(r));
  const crc = b => { const x = Buffer.alloc(4); x.writeUInt32BE(require('zlib').crc32 ? require('zlib').crc32(b) >>> 0 : 0); return x.toString('base64'); };
  const trl = { 'x-amz-decoded-content-length': String(big.length), 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32' };
  r = await s3({ method: 'PUT', bucket: B, key: 'chunked-trailer', headers: trl, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    makeBody: () => awsChunked(big, 65536, 'unsigned-trailer', null, [['x-amz-checksum-crc32', crc(big)]]) });
  check('PUT aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER -> 200', r.status === 200, brief(r));
  r = await s3({ bucket: B, key: 'chunked-trailer' });
  check('... stored body de-chunked', r.status === 200 && r.body.equals(big), brief(r));
  if (require('zlib').crc32) {
    r = await s3({ method: 'PUT', bucket: B, key: 'chunked-trailer-bad', headers: trl, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      makeBody: () => awsChunked(big, 65536, 'unsigned-trailer', null, [['x-amz-checksum-crc32', 'AAAAAA==']]) });
    check('unsigned trailer with wrong CRC32 -> 400 BadDigest', r.status === 400 && r.code === 'BadDigest', brief(r));
  }
  r = await s3({ method: 'PUT', bucket: B, key: 'chunked-signed-trailer', headers: trl, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
    makeBody: s => awsChunked(big, 65536, 'signed-trailer', s, [['x-amz-checksum-crc32', crc(big)]]) });
  check('PUT aws-chunked STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER -> 200', r.status === 200, brief(r));

  // query canonicalisation: '+', repeats, empty values, reserved characters
  r = await s3({ bucket: B, query: [['list-type', '2'], ['prefix', 'a+b c&d=e/~%'], ['encoding-type', 'url']] });
  check("listing with prefix 'a+b c&d=e/~%' signed -> 200", r.status === 200, brief(r));
  r = await s3({ bucket: B, key: 'dir/hello.txt', query: [['x-id', 'GetObject'], ['z', ''], ['a', 'é 😀']] });
  check('GET with unicode / empty query values -> 200', r.status === 200, brief(r));
  r = await s3({ bucket: B, query: [['list-type', '2'], ['encoding-type', 'bogus']] });
  check('encoding-type=bogus -> 400 InvalidArgument', r.status === 400 && r.code === 'InvalidArgument', brief(r));

  // presigned URLs
  const encPath = `/${B}/dir/hello.txt`;
  let q = presignQuery({ method: 'GET', encPath, query: [], host: hostHdr(), date: new Date(), expires: 300 });
  const qs = x => x.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  r = await send({ method: 'GET', url: `${encPath}?${qs(q)}` });
  check('presigned GET -> 200', r.status === 200 && r.body.equals(data), `${r.status} ${r.body}`);
  const tampered = q.map(([k, v]) => [k, k === 'X-Amz-Signature' ? v.replace(/.$/, c => (c === '0' ? '1' : '0')) : v]);
  r = await send({ method: 'GET', url: `${encPath}?${qs(tampered)}` });
  check('presigned GET with tampered signature -> 403 SignatureDoesNotMatch', r.status === 403 && /SignatureDoesNotMatch/.test(r.body), `${r.status} ${r.body}`);
  q = presignQuery({ method: 'GET', encPath, query: [], host: hostHdr(), date: new Date(Date.now() - 120000), expires: 60 });
  r = await send({ method: 'GET', url: `${encPath}?${qs(q)}` });
  check('expired presigned URL -> 403 AccessDenied', r.status === 403 && /Request has expired/.test(r.body), `${r.status} ${r.body}`);
  q = presignQuery({ method: 'GET', encPath, query: [['response-content-type', 'text/x-test']], host: hostHdr(), date: new Date(), expires: 300, token: 'sess+token/=' });
  r = await send({ method: 'GET', url: `${encPath}?${qs(q)}` });
  check('presigned GET with session token and response-content-type -> 200', r.status === 200 && r.headers['content-type'] === 'text/x-test', `${r.status} ${r.body}`);
  q = presignQuery({ method: 'PUT', encPath: `/${B}/presigned-put`, query: [], host: hostHdr(), date: new Date(), expires: 300 });
  r = await send({ method: 'PUT', url: `/${B}/presigned-put?${qs(q)}`, body: data });
  check('presigned PUT -> 200', r.status === 200, `${r.status} ${r.body}`);

  // DeleteObjects
  const tricky = ['123', '0123', '1e3', ' sp ', 'tab\t', 'cr\rx', 'lf\nx', 'amp&x', 'true', 'sp'];
  for (const k of tricky) await s3({ method: 'PUT', bucket: B, key: `del/${k}`, body: data });
  await s3({ method: 'PUT', bucket: B, key: 'del/ sp', body: data });
  const esc = s => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\r/g, '&#13;');
  const delKeys = tricky.filter(k => k !== 'sp').concat(['del-missing']);
  const xml = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${delKeys.map(k => `<Object><Key>${esc(k === 'del-missing' ? k : `del/${k}`)}</Key></Object>`).join('')}</Delete>`);
  r = await s3({ method: 'POST', bucket: B, query: [['delete', '']], body: xml });
  check('DeleteObjects without Content-MD5 -> 400 InvalidRequest', r.status === 400 && r.code === 'InvalidRequest', brief(r));
  r = await s3({ method: 'POST', bucket: B, query: [['delete', '']], body: xml, headers: { 'content-md5': crypto.createHash('md5').update(xml).digest('base64') } });
  check('DeleteObjects -> 200', r.status === 200 && (r.text.match(/<Deleted>/g) || []).length === delKeys.length, brief(r));
  let left = (await listAll(B, 1000, [['prefix', 'del/']])).keys;
  check('DeleteObjects deleted exactly the named keys', JSON.stringify(left) === JSON.stringify(['del/ sp', 'del/sp']), JSON.stringify(left));
  r = await s3({ method: 'POST', bucket: 'no-such-bucket', query: [['delete', '']], body: xml, headers: { 'content-md5': crypto.createHash('md5').update(xml).digest('base64') } });
  check('DeleteObjects on missing bucket -> 404 NoSuchBucket', r.status === 404 && r.code === 'NoSuchBucket', brief(r));

  // keys s3rver cannot hold
  for (const k of ['x'.repeat(1024), 'a//b', '/lead', 'a/../b', 'a/./b', `${'y'.repeat(234)}`]) {
    r = await s3({ method: 'PUT', bucket: B, key: k, body: data });
    check(`unrepresentable key ${JSON.stringify(k.length > 30 ? `${k.slice(0, 10)}...(${k.length})` : k)} -> 501`, r.status === 501 && r.code === 'NotImplemented', brief(r));
  }
  r = await s3({ bucket: B, key: 'dir/hello.txt' });
  check('s3rver still alive after those', r.status === 200, brief(r));

  // 3,000 odd keys, paged listings
  const OB = 'selftest-odd';
  const keys = await populate(OB, 3000);
  const want = [...keys].sort(cmpBytes);
  for (const mk of [1000, 7]) {
    const { keys: got, pages } = await listAll(OB, mk);
    const missing = want.filter(k => !got.includes(k));
    check(`3000 odd keys listed completely, in order, max-keys=${mk} (${pages} pages)`,
      JSON.stringify(got) === JSON.stringify(want),
      `got ${got.length}, unique ${new Set(got).size}, missing ${JSON.stringify(missing.slice(0, 5))}`);
  }
  r = await s3({ bucket: OB, query: [['list-type', '2'], ['encoding-type', 'url'], ['delimiter', '/'], ['prefix', 'é/']] });
  const cps = [...r.text.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)].map(m => decodeListKey(m[1]));
  const wantCps = [...new Set(want.filter(k => k.startsWith('é/')).map(k => k.slice(0, k.indexOf('/', 2) + 1)))].sort(cmpBytes);
  check('delimiter listing: CommonPrefixes url-encoded and complete', r.status === 200 && JSON.stringify(cps) === JSON.stringify(wantCps), `${JSON.stringify(cps.slice(0, 5))} vs ${JSON.stringify(wantCps.slice(0, 5))}`);
  const k0 = keys.find(k => k.includes('\r'));
  r = await s3({ bucket: OB, key: k0 });
  check('GET of a key with CR', r.status === 200 && r.body.toString('utf8') === k0, brief(r));
}

// ---------------------------------------------------------------------------

async function startProxy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3gc-selftest-'));
  const portFile = path.join(dir, 'port');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', path.join(__dirname, 'proxy.js'),
    '--port', '0', '--port-file', portFile, '--dir', path.join(dir, 'data'), '-q'], { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 300 && !fs.existsSync(portFile); i++) await new Promise(r => setTimeout(r, 100));
  if (!fs.existsSync(portFile)) throw new Error('proxy did not start');
  PORT = Number(fs.readFileSync(portFile, 'utf8').trim());
  return async () => {
    child.kill('SIGTERM');
    await new Promise(r => (child.exitCode !== null ? r() : child.on('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

async function main() {
  const argv = process.argv.slice(2);
  const arg = name => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv[0] === 'sign-lines') {
    // sign.js input lines, "signature" from the independent signer
    process.stdout.write(genSignLines(Number(argv[1] || 10000)).join('\n') + '\n');
    agent.destroy();
    return;
  }
  if (argv[0] === 'populate') {
    PORT = Number(arg('--port'));
    const bucket = arg('--bucket');
    if (!PORT || !bucket) {
      process.stderr.write('usage: node selftest.js populate --port PORT --bucket NAME [--count N]\n');
      process.exit(2);
    }
    const keys = await populate(bucket, Number(arg('--count') || 3000));
    process.stdout.write(JSON.stringify(keys) + '\n');
    agent.destroy();
    return;
  }
  let stop = null;
  if (arg('--port')) PORT = Number(arg('--port'));
  else stop = await startProxy();
  try {
    if (!argv.includes('--no-sign')) await signJsTests();
    await runTests();
  } catch (e) {
    check('test run', false, e && e.stack ? e.stack : String(e));
  } finally {
    agent.destroy();
    if (stop) await stop();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch(e => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
