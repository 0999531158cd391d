// Maps an OpenID Connect provider's claims to our identity's traits
// (kratos/identity.schema.json: email and name). Kratos runs it once, when a
// person signs in with a provider for the first time and an identity is created.
local claims = std.extVar('claims');

// The address the provider vouches for counts as verified here, so nobody is
// asked to confirm by code what their provider already confirmed. An unverified
// one is stored unverified, and Kratos mails its usual verification code.
local verified = std.objectHas(claims, 'email_verified') && claims.email_verified == true;

// Providers may send no name (or an empty one); the schema requires one of at
// most 100 characters.
local given = if std.objectHas(claims, 'name') then std.stripChars(claims.name, ' ') else '';
local name = std.substr(if std.length(given) > 0 then given else std.split(claims.email, '@')[0], 0, 100);

{
  identity: {
    traits: {
      email: claims.email,
      name: name,
    },
    verified_addresses: if verified then [{ via: 'email', value: claims.email }] else [],
  },
}
