#!/usr/bin/env node
// A mock of the OpenAI sign-in issuer (auth.openai.com) for Spool's tests: the OAuth 2.0
// authorization-code flow with PKCE (S256) as the Codex CLI's browser sign-in uses it, with
// one-time codes, unsigned JWT id_tokens carrying ChatGPT claims, and switchable failure
// modes. It checks what a client must send and answers 400 {error, error_description} when
// something is off, so tests can tell a correct client from a sloppy one.
//
// Usage: node mock_oauth_issuer.mjs [--port N]
//   Listens on 127.0.0.1 (port 0 = any free port, the default) and prints one line
//   {"port": N} on stdout when ready; logs go to stderr. Exits on SIGTERM / SIGINT or when
//   its stdin closes (spawn it with a stdin pipe; stdin from /dev/null ends it at once).
//
// Endpoints:
//   GET  /oauth/authorize   the browser's visit. Requires response_type=code, client_id,
//                           redirect_uri (an http(s) URL), code_challenge,
//                           code_challenge_method=S256 and state (else 400 JSON error, no
//                           redirect). Issues a one-time code bound to the challenge,
//                           redirect_uri and client_id and answers
//                           302 Location: <redirect_uri>?code=..&state=..
//                           (mode "deny": 302 to <redirect_uri>?error=access_denied&
//                           error_description=..&state=.. instead).
//   POST /oauth/token       application/x-www-form-urlencoded (JSON bodies are accepted too).
//                           grant_type=authorization_code: code known and unused,
//                           redirect_uri and client_id as at /oauth/authorize, and
//                           base64url(sha256(code_verifier)) == code_challenge; answers 200
//                           {id_token, access_token, refresh_token, token_type: "Bearer",
//                           expires_in: 3600}. grant_type=refresh_token (client_id,
//                           refresh_token one this server issued): new tokens the same way.
//                           Errors: 400 {error, error_description} (invalid_request,
//                           invalid_grant, unsupported_grant_type, invalid_client).
//                           Mode "token_error": 500 {error: "server_error", ...};
//                           mode "hang_token": never answers (the connection stays open).
//   POST /control           JSON, every field optional, applies to the flows that follow:
//                           {"mode": "ok" | "deny" | "token_error" | "hang_token",
//                            "email": "...", "plan": "...", "account_id": "...",
//                            "user_id": "..."}; answers the whole settings object.
//   GET  /requests          the request log, oldest first: [{method, path}] (no query, no
//                           body: they carry codes and verifiers).
//   POST /reset             forgets codes, tokens and the log; settings back to defaults.
//   anything else           404 {error: "not_found"}
//
// The id_token is a JWT with header {"alg":"none","typ":"JWT"}, an empty signature, and the
// payload {iss, aud, sub, iat, exp, email, "https://api.openai.com/auth":
// {chatgpt_plan_type, chatgpt_account_id, chatgpt_user_id, user_id}}. Defaults: email
// "mock-user@example.com", plan "plus", account_id "mock-account-1", user_id "mock-user-1".
// Codes, access and refresh tokens are random and distinct per flow.

import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';

let port = 0;
for (let i = 2; i < process.argv.length; ++i) {
  if (process.argv[i] === '--port' && i + 1 < process.argv.length) {
    port = Number(process.argv[++i]);
  } else if (process.argv[i].startsWith('--port=')) {
    port = Number(process.argv[i].slice('--port='.length));
  } else {
    process.stderr.write(`mock issuer: unknown argument ${process.argv[i]}\n`);
    process.exit(2);
  }
}

const kModes = new Set(['ok', 'deny', 'token_error', 'hang_token']);
const kDefaults = {
  mode: 'ok',
  email: 'mock-user@example.com',
  plan: 'plus',
  account_id: 'mock-account-1',
  user_id: 'mock-user-1',
};

let settings = { ...kDefaults };
let requests = [];              // {method, path}
let codes = new Map();          // code -> {challenge, redirect_uri, client_id, used}
let refreshTokens = new Map();  // refresh_token -> client_id
const hanging = new Set();      // responses of hang_token, ended at exit

function log(msg) {
  process.stderr.write(`mock issuer: ${msg}\n`);
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const randomToken = (prefix) => `${prefix}_${randomBytes(24).toString('base64url')}`;

function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

function oauthError(res, status, error, description) {
  sendJson(res, status, { error, error_description: description });
}

function idToken() {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'none', typ: 'JWT' };
  const payload = {
    iss: 'https://auth.openai.com',
    aud: ['mock'],
    sub: settings.user_id,
    iat: now,
    exp: now + 3600,
    email: settings.email,
    'https://api.openai.com/auth': {
      chatgpt_plan_type: settings.plan,
      chatgpt_account_id: settings.account_id,
      chatgpt_user_id: settings.user_id,
      user_id: settings.user_id,
    },
  };
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.`;
}

function issueTokens(res, clientId) {
  const refresh = randomToken('mock_refresh');
  refreshTokens.set(refresh, clientId);
  sendJson(res, 200, {
    id_token: idToken(),
    access_token: randomToken('mock_access'),
    refresh_token: refresh,
    token_type: 'Bearer',
    expires_in: 3600,
  });
}

function isHttpUrl(text) {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function authorize(res, q) {
  const need = ['client_id', 'redirect_uri', 'code_challenge', 'state'];
  for (const name of need) {
    if (!q.get(name)) return oauthError(res, 400, 'invalid_request', `missing ${name}`);
  }
  if (q.get('response_type') !== 'code') {
    return oauthError(res, 400, 'unsupported_response_type', 'response_type must be code');
  }
  if (q.get('code_challenge_method') !== 'S256') {
    return oauthError(res, 400, 'invalid_request', 'code_challenge_method must be S256');
  }
  const redirectUri = q.get('redirect_uri');
  if (!isHttpUrl(redirectUri)) {
    return oauthError(res, 400, 'invalid_request', 'redirect_uri must be an http(s) URL');
  }
  const target = new URL(redirectUri);
  if (settings.mode === 'deny') {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied the sign-in (mock)');
  } else {
    const code = randomToken('mock_code');
    codes.set(code, {
      challenge: q.get('code_challenge'),
      redirect_uri: redirectUri,
      client_id: q.get('client_id'),
      used: false,
    });
    target.searchParams.set('code', code);
  }
  target.searchParams.set('state', q.get('state'));
  res.writeHead(302, { location: target.toString(), 'content-length': 0 });
  res.end();
}

function parseForm(req, raw) {
  const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') {
    const value = JSON.parse(raw);
    return new Map(Object.entries(value).map(([k, v]) => [k, String(v)]));
  }
  if (type === 'application/x-www-form-urlencoded') {
    return new Map(new URLSearchParams(raw));
  }
  throw new Error(`unsupported content-type ${type || '(none)'}`);
}

function token(req, res, raw) {
  if (settings.mode === 'token_error') {
    return oauthError(res, 500, 'server_error', 'the mock token endpoint failed on purpose');
  }
  if (settings.mode === 'hang_token') {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    return undefined;
  }
  let form;
  try {
    form = parseForm(req, raw);
  } catch (e) {
    return oauthError(res, 400, 'invalid_request', e.message);
  }
  const grant = form.get('grant_type');
  if (grant === 'refresh_token') {
    const refresh = form.get('refresh_token');
    const clientId = refreshTokens.get(refresh);
    if (!refresh || clientId === undefined) {
      return oauthError(res, 400, 'invalid_grant', 'unknown refresh_token');
    }
    if (form.get('client_id') !== clientId) {
      return oauthError(res, 400, 'invalid_client', 'client_id does not match');
    }
    refreshTokens.delete(refresh);
    return issueTokens(res, clientId);
  }
  if (grant !== 'authorization_code') {
    return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be authorization_code');
  }
  for (const name of ['code', 'redirect_uri', 'client_id', 'code_verifier']) {
    if (!form.get(name)) return oauthError(res, 400, 'invalid_request', `missing ${name}`);
  }
  const entry = codes.get(form.get('code'));
  if (!entry) return oauthError(res, 400, 'invalid_grant', 'unknown code');
  if (entry.used) return oauthError(res, 400, 'invalid_grant', 'the code was already used');
  entry.used = true;
  if (form.get('client_id') !== entry.client_id) {
    return oauthError(res, 400, 'invalid_client', 'client_id does not match the authorization');
  }
  if (form.get('redirect_uri') !== entry.redirect_uri) {
    return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match the authorization');
  }
  const challenge = b64url(createHash('sha256').update(form.get('code_verifier')).digest());
  if (challenge !== entry.challenge) {
    return oauthError(res, 400, 'invalid_grant', 'code_verifier does not match code_challenge');
  }
  return issueTokens(res, entry.client_id);
}

function control(res, raw) {
  let body;
  try {
    body = JSON.parse(raw || '{}');
  } catch (e) {
    return sendJson(res, 400, { error: `invalid JSON: ${e.message}` });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return sendJson(res, 400, { error: 'the body must be a JSON object' });
  }
  if (body.mode !== undefined && !kModes.has(body.mode)) {
    return sendJson(res, 400, { error: `unknown mode ${body.mode}` });
  }
  for (const key of ['email', 'plan', 'account_id', 'user_id']) {
    if (body[key] !== undefined && typeof body[key] !== 'string') {
      return sendJson(res, 400, { error: `${key} must be a string` });
    }
  }
  if (body.mode !== undefined) settings.mode = body.mode;
  for (const key of ['email', 'plan', 'account_id', 'user_id']) {
    if (body[key] !== undefined) settings[key] = body[key];
  }
  return sendJson(res, 200, settings);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const raw = Buffer.concat(chunks).toString('utf8');
    try {
      if (req.method === 'GET' && url.pathname === '/requests') {
        return sendJson(res, 200, requests);
      }
      if (req.method === 'POST' && url.pathname === '/reset') {
        settings = { ...kDefaults };
        requests = [];
        codes = new Map();
        refreshTokens = new Map();
        return sendJson(res, 200, settings);
      }
      if (req.method === 'POST' && url.pathname === '/control') return control(res, raw);
      requests.push({ method: req.method, path: url.pathname });
      if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
        return authorize(res, url.searchParams);
      }
      if (req.method === 'POST' && url.pathname === '/oauth/token') return token(req, res, raw);
      return sendJson(res, 404, { error: 'not_found',
        error_description: `no such endpoint: ${req.method} ${url.pathname}` });
    } catch (e) {
      log(`internal error: ${e.stack}`);
      if (!res.headersSent) return oauthError(res, 500, 'server_error', `mock bug: ${e.message}`);
      return res.destroy();
    }
  });
});

function shutdown(why) {
  log(`exiting (${why})`);
  for (const res of hanging) res.destroy();
  server.closeAllConnections?.();
  server.close();
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.stdin.on('end', () => shutdown('stdin closed'));
process.stdin.on('error', () => shutdown('stdin error'));
process.stdin.resume();

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`{"port": ${server.address().port}}\n`);
});
