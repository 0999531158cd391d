// Unit tests of the login-and-consent app's pure parts; the integration tests
// (tests/api/social.rs) and the browser test drive it against the real Hydra.
//
//   node --test hydra/login-consent/

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { displayName, escapeHtml, idTokenClaims, parseEmail, passwordMatches, settings } from './server.mjs';

test('emails are trimmed, lower-cased and must look like one', () => {
  assert.equal(parseEmail('  Ada@Example.COM '), 'ada@example.com');
  for (const bad of ['', 'ada', 'ada@example', 'a b@example.com', `${'a'.repeat(250)}@example.com`, null]) {
    assert.equal(parseEmail(bad), null, String(bad));
  }
});

test('the name defaults to the address before the @', () => {
  assert.equal(displayName('  ', 'ada@example.com'), 'ada');
  assert.equal(displayName(' Ada L. ', 'ada@example.com'), 'Ada L.');
  assert.equal(displayName('x'.repeat(200), 'ada@example.com').length, 100);
});

test('claims follow the granted scopes', () => {
  const context = { email: 'ada@example.com', name: 'Ada' };
  assert.deepEqual(idTokenClaims(context, ['openid']), {});
  assert.deepEqual(idTokenClaims(context, ['openid', 'email']), { email: 'ada@example.com', email_verified: true });
  assert.deepEqual(idTokenClaims(context, ['openid', 'email', 'profile']), {
    email: 'ada@example.com',
    email_verified: true,
    name: 'Ada',
  });
});

test('what people typed is escaped, and the password compared whole', () => {
  assert.equal(escapeHtml(`<script>"x" & 'y'</script>`), '&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
  assert.equal(passwordMatches('secret', 'secret'), true);
  assert.equal(passwordMatches('secre', 'secret'), false);
  assert.equal(passwordMatches(undefined, 'secret'), false);
});

test('settings name the missing variable', () => {
  assert.throws(() => settings({ PROVIDER_PASSWORD: 'x' }), /HYDRA_ADMIN_URL/);
  assert.throws(() => settings({ HYDRA_ADMIN_URL: 'http://127.0.0.1:4445' }), /PROVIDER_PASSWORD/);
  const config = settings({ HYDRA_ADMIN_URL: 'http://127.0.0.1:4445', PROVIDER_PASSWORD: 'x', PORT: '5000' });
  assert.equal(config.admin.href, 'http://127.0.0.1:4445/');
  assert.equal(config.port, 5000);
});
