// The login-and-consent app of ory-spa's local OpenID Connect provider.
//
// Ory Hydra does OAuth 2.0 and OpenID Connect but keeps no users: for each sign-in
// it sends the browser here with a `login_challenge`, and this app decides who the
// person is and tells Hydra through its admin API (accept or reject), then does the
// same for consent. It is a development and test tool, never deployed: its "users"
// are any email address with one shared password (PROVIDER_PASSWORD), so that tests
// and people can sign in as as many distinct people as they need.
//
//   HYDRA_ADMIN_URL=http://127.0.0.1:4445/ PROVIDER_PASSWORD=… node hydra/login-consent/server.mjs
//
// Environment: HYDRA_ADMIN_URL and PROVIDER_PASSWORD (required), HOST (127.0.0.1),
// PORT (4446). No dependencies beyond Node.js itself (20+).

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const MAX_BODY_BYTES = 16 * 1024;
const MAX_EMAIL = 254;
const MAX_NAME = 100;

/** The configuration from the environment; throws with the variable's name. */
export function settings(env = process.env) {
  const required = (name) => {
    const value = env[name];
    if (!value) throw new Error(`${name} must be set`);
    return value;
  };
  const admin = new URL(required('HYDRA_ADMIN_URL'));
  if (!admin.pathname.endsWith('/')) admin.pathname += '/';
  const port = Number(env.PORT ?? 4446);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('PORT must be a port number');
  return { admin, password: required('PROVIDER_PASSWORD'), host: env.HOST ?? '127.0.0.1', port };
}

// ------------------------------------------------------------------ Hydra's admin API

class HydraError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function hydra(admin) {
  const call = async (method, path, challengeName, challenge, body) => {
    const url = new URL(path, admin);
    url.searchParams.set(challengeName, challenge);
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: body ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new HydraError(502, `Hydra's admin API did not answer (${error.message}).`);
    }
    const text = await response.text();
    if (!response.ok) {
      // 404: no such challenge; 410: it was answered already (a second click, the back button).
      const gone = response.status === 404 || response.status === 410;
      throw new HydraError(gone ? 410 : 502, gone ? 'This sign-in request is no longer valid. Start again from the app.' : `Hydra answered ${response.status}.`);
    }
    return JSON.parse(text);
  };
  return {
    loginRequest: (c) => call('GET', 'admin/oauth2/auth/requests/login', 'login_challenge', c),
    acceptLogin: (c, body) => call('PUT', 'admin/oauth2/auth/requests/login/accept', 'login_challenge', c, body),
    rejectLogin: (c, body) => call('PUT', 'admin/oauth2/auth/requests/login/reject', 'login_challenge', c, body),
    consentRequest: (c) => call('GET', 'admin/oauth2/auth/requests/consent', 'consent_challenge', c),
    acceptConsent: (c, body) => call('PUT', 'admin/oauth2/auth/requests/consent/accept', 'consent_challenge', c, body),
    rejectConsent: (c, body) => call('PUT', 'admin/oauth2/auth/requests/consent/reject', 'consent_challenge', c, body),
  };
}

// RFC 6749 §4.1.2.1: what a client is told when the person says no, at either step.
const DENIED = { error: 'access_denied', error_description: 'The person declined to sign in.' };

// ------------------------------------------------------------------ people and claims

/** A plausible email address, lower-cased (it becomes the subject); null if it is not one. */
export function parseEmail(value) {
  const email = String(value ?? '').trim().toLowerCase();
  if (email.length === 0 || email.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return null;
  return email;
}

export function displayName(name, email) {
  const trimmed = String(name ?? '').trim().slice(0, MAX_NAME);
  return trimmed || email.split('@')[0];
}

/** Constant-time comparison of what was typed with the configured password. */
export function passwordMatches(typed, expected) {
  const digest = (value) => createHash('sha256').update(String(value ?? ''), 'utf8').digest();
  return timingSafeEqual(digest(typed), digest(expected));
}

/**
 * The ID token's claims for what the person granted: `email` and `email_verified`
 * with the `email` scope, `name` with `profile`. The address counts as verified
 * because this provider's "users" are whoever holds the shared password: on this
 * machine that is the person at the keyboard.
 */
export function idTokenClaims(context, grantedScopes) {
  const claims = {};
  if (grantedScopes.includes('email')) {
    claims.email = context.email;
    claims.email_verified = true;
  }
  if (grantedScopes.includes('profile')) claims.name = context.name;
  return claims;
}

// ------------------------------------------------------------------ pages

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2430}
h1{font-size:1.4rem}label{display:block;margin-top:.8rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.45rem;font:inherit;border:1px solid #9aa5b1;border-radius:4px}
.actions{display:flex;gap:.6rem;margin-top:1.2rem}button{font:inherit;padding:.45rem 1rem;border-radius:4px;border:1px solid #44505e;background:#fff}
button.primary{background:#1f5fbf;border-color:#1f5fbf;color:#fff}.error{color:#a11;font-weight:600}.muted{color:#5b6673;font-size:.9rem}`;

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Local provider</title><style>${STYLE}</style></head><body>
<p class="muted">ory-spa's local OpenID Connect provider (Ory Hydra)</p>${body}</body></html>`;
}

function loginPage({ challenge, client, email = '', name = '', error = null }) {
  return page(
    'Sign in',
    `<h1>Sign in to continue to ${escapeHtml(client)}</h1>
${error ? `<p class="error" role="alert" id="login-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login" id="login">
<input type="hidden" name="challenge" value="${escapeHtml(challenge)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(email)}">
<label for="name">Name <span class="muted">(optional)</span></label><input id="name" name="name" autocomplete="name" value="${escapeHtml(name)}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button class="primary" type="submit" name="action" value="sign-in" id="sign-in">Sign in</button>
<button type="submit" name="action" value="cancel" id="cancel" formnovalidate>Cancel</button></div>
</form><p class="muted">Any email address works, with the provider's password.</p>`,
  );
}

function consentPage({ challenge, client, subject, scopes }) {
  const items = scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return page(
    'Allow access',
    `<h1>${escapeHtml(client)} wants to know who you are</h1>
<p>Signed in as <strong id="subject">${escapeHtml(subject)}</strong>. It asks for:</p><ul id="scopes">${items}</ul>
<form method="post" action="/consent" id="consent">
<input type="hidden" name="challenge" value="${escapeHtml(challenge)}">
<div class="actions"><button class="primary" type="submit" name="action" value="allow" id="allow">Allow</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button></div></form>`,
  );
}

function clientName(request) {
  return request.client?.client_name || request.client?.client_id || 'the app';
}

// ------------------------------------------------------------------ HTTP

const HEADERS = {
  // The pages have one inline style sheet and no script at all.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function send(res, status, html) {
  res.writeHead(status, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

// 303 after a POST, so the browser follows with a GET; Hydra's URLs are absolute.
function redirect(res, location, status = 303) {
  res.writeHead(status, { ...HEADERS, location });
  res.end();
}

async function readForm(req) {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new HydraError(415, 'Send the form.');
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HydraError(413, 'The form is too large.');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function createApp(config) {
  const api = hydra(config.admin);

  async function getLogin(url, res) {
    const challenge = url.searchParams.get('login_challenge');
    if (!challenge) return send(res, 400, page('Error', '<p class="error">No login_challenge: start from the app.</p>'));
    const request = await api.loginRequest(challenge);
    // Hydra remembers nobody here (`remember: false`), but if it ever says the
    // person is known, it must be accepted without asking again.
    if (request.skip) return redirect(res, (await api.acceptLogin(challenge, { subject: request.subject })).redirect_to, 302);
    send(res, 200, loginPage({ challenge, client: clientName(request) }));
  }

  async function postLogin(req, res) {
    const form = await readForm(req);
    const challenge = form.get('challenge') ?? '';
    if (form.get('action') === 'cancel') return redirect(res, (await api.rejectLogin(challenge, DENIED)).redirect_to);
    const request = await api.loginRequest(challenge);
    const email = parseEmail(form.get('email'));
    const typedName = form.get('name') ?? '';
    const again = (error) => send(res, 401, loginPage({ challenge, client: clientName(request), email: form.get('email') ?? '', name: typedName, error }));
    if (!email) return again('Enter an email address.');
    if (!passwordMatches(form.get('password'), config.password)) return again('The password is wrong.');
    const accepted = await api.acceptLogin(challenge, {
      subject: email,
      remember: false,
      // Carried to the consent request, which puts it in the ID token.
      context: { email, name: displayName(typedName, email) },
    });
    redirect(res, accepted.redirect_to);
  }

  async function getConsent(url, res) {
    const challenge = url.searchParams.get('consent_challenge');
    if (!challenge) return send(res, 400, page('Error', '<p class="error">No consent_challenge: start from the app.</p>'));
    const request = await api.consentRequest(challenge);
    if (request.skip) return redirect(res, (await acceptConsent(challenge, request)).redirect_to, 302);
    send(res, 200, consentPage({ challenge, client: clientName(request), subject: request.subject, scopes: request.requested_scope ?? [] }));
  }

  // The claims come from Hydra's record of the login (its `context`), never from the form.
  function acceptConsent(challenge, request) {
    const scopes = request.requested_scope ?? [];
    return api.acceptConsent(challenge, {
      grant_scope: scopes,
      grant_access_token_audience: request.requested_access_token_audience ?? [],
      remember: false,
      session: { id_token: idTokenClaims(request.context ?? {}, scopes) },
    });
  }

  async function postConsent(req, res) {
    const form = await readForm(req);
    const challenge = form.get('challenge') ?? '';
    if (form.get('action') !== 'allow') return redirect(res, (await api.rejectConsent(challenge, DENIED)).redirect_to);
    redirect(res, (await acceptConsent(challenge, await api.consentRequest(challenge))).redirect_to);
  }

  return async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    try {
      switch (route) {
        case 'GET /health/ready':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('ok');
        case 'GET /':
          return send(res, 200, page('Local provider', '<h1>Local OpenID Connect provider</h1><p>Sign-ins start from the app.</p>'));
        case 'GET /login':
          return await getLogin(url, res);
        case 'POST /login':
          return await postLogin(req, res);
        case 'GET /consent':
          return await getConsent(url, res);
        case 'POST /consent':
          return await postConsent(req, res);
        default:
          return send(res, 404, page('Not found', '<p>Nothing here.</p>'));
      }
    } catch (error) {
      const status = error instanceof HydraError ? error.status : 500;
      if (!(error instanceof HydraError)) console.error(error);
      send(res, status, page('Error', `<p class="error" role="alert">${escapeHtml(error instanceof HydraError ? error.message : 'Something went wrong.')}</p>`));
    } finally {
      // The path only: challenges in query strings are single-use but still not for logs.
      console.log(`${req.method} ${url.pathname} ${res.statusCode}`);
    }
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let config;
  try {
    config = settings();
  } catch (error) {
    console.error(`login-consent: ${error.message}`);
    process.exit(2);
  }
  const server = createServer(createApp(config));
  server.listen(config.port, config.host, () => {
    const { address, port } = server.address();
    console.log(`login-consent: listening on http://${address}:${port}/ (Hydra admin API ${config.admin.href})`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
}
