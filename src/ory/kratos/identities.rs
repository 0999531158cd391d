//! Identities: their traits, and the admin API calls we need (server-side only).

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Kratos, wire};
use crate::ory::{KRATOS, OryError};

/// The traits of our identity schema (`kratos/identity.schema.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Traits {
    pub email: String,
    pub name: String,
}

/// The traits of an identity being registered. Absent traits are left out, so
/// Kratos reports them as missing with its own message.
#[derive(Debug, Serialize)]
pub struct NewTraits<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// What `Kratos::restore_email` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailRestore {
    /// The old address is the identity's again (or already was), verified;
    /// with the second factors set up since the moment given.
    Restored(SecondFactorsSince),
    /// Another identity has the old address now.
    Taken,
    /// No such identity.
    Gone,
}

/// Which second factors were set up since a moment (`Kratos::second_factors_since`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecondFactorsSince {
    pub authenticator: bool,
    pub recovery_codes: bool,
}

/// The second factors an identity has set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactors {
    pub totp: bool,
    /// How many recovery codes are still unused; `None` when there are none set up.
    pub recovery_codes_left: Option<u32>,
}

impl SecondFactors {
    /// Whether Kratos asks this account's sign-ins for a second factor: an
    /// authenticator app, or recovery codes (even all used, as Kratos counts them).
    pub fn any(&self) -> bool {
        self.totp || self.recovery_codes_left.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub id: Uuid,
    pub traits: Traits,
    /// Whether the address in `traits.email` has been verified with a code.
    pub email_verified: bool,
}

impl Identity {
    /// `None` for an identity whose traits do not fit our schema (written by
    /// someone else): it is not a person of ours.
    pub(super) fn from_wire(wire: wire::Identity) -> Option<Self> {
        let traits: Traits = serde_json::from_value(wire.traits).ok()?;
        let email_verified =
            wire.verifiable_addresses.iter().any(|a| a.verified && a.value.eq_ignore_ascii_case(&traits.email));
        Some(Identity { id: wire.id, traits, email_verified })
    }
}

impl Kratos {
    /// Admin API: finds the identity whose password identifier is `email`.
    pub async fn find_identity_by_email(&self, email: &str) -> Result<Option<Identity>, OryError> {
        let mut url = self.admin_url("admin/identities");
        url.query_pairs_mut().append_pair("credentials_identifier", email);
        let identities = self.list_identities(url).await?;
        // Kratos matches the identifier exactly (case-folded for emails); anything
        // else in the answer would be a surprise, so take only an exact match.
        Ok(identities.into_iter().find(|identity| identity.traits.email.eq_ignore_ascii_case(email)))
    }

    /// Admin API: the identities with these ids, in one call. Unknown ids are left out.
    pub async fn identities(&self, ids: &[Uuid]) -> Result<Vec<Identity>, OryError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut url = self.admin_url("admin/identities");
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("page_size", "500");
            for id in ids {
                query.append_pair("ids", &id.to_string());
            }
        }
        self.list_identities(url).await
    }

    async fn list_identities(&self, url: url::Url) -> Result<Vec<Identity>, OryError> {
        let response = KRATOS.send(self.request(Method::GET, url), "identity lookup").await?;
        KRATOS.expect(&response, StatusCode::OK, "identity lookup")?;
        let identities: Vec<wire::Identity> = KRATOS.json(response, "identity lookup").await?;
        Ok(identities.into_iter().filter_map(Identity::from_wire).collect())
    }

    /// Admin API: which second factors the identity has set up, and how many
    /// recovery codes are left.
    ///
    /// Counting needs the recovery codes' credential itself, which carries the
    /// codes: they are read here, on the server, only to see which were used,
    /// and go no further. The settings flow would show the same list, but only
    /// to a session that logged in within the last 15 minutes; how many codes
    /// are left is worth knowing without that.
    pub async fn second_factors(&self, id: Uuid) -> Result<SecondFactors, OryError> {
        let mut url = self.admin_url(&format!("admin/identities/{id}"));
        url.query_pairs_mut().append_pair("include_credential", "lookup_secret");
        let response = KRATOS.send(self.request(Method::GET, url), "identity lookup").await?;
        KRATOS.expect(&response, StatusCode::OK, "identity lookup")?;
        let identity: wire::Identity = KRATOS.json(response, "identity lookup").await?;
        let recovery_codes_left = match identity.credentials.get("lookup_secret") {
            None => None,
            Some(credential) => {
                let config = wire::LookupSecretConfig::deserialize(&credential["config"])
                    .map_err(|_| KRATOS.protocol("identity lookup", "recovery codes of an unexpected shape"))?;
                let left = config.recovery_codes.iter().filter(|code| code.unused()).count();
                Some(u32::try_from(left).unwrap_or(u32::MAX))
            }
        };
        Ok(SecondFactors { totp: identity.credentials.contains_key("totp"), recovery_codes_left })
    }

    /// Admin API: whether the identity exists (whatever its traits look like).
    pub async fn identity_exists(&self, id: Uuid) -> Result<bool, OryError> {
        let url = self.admin_url(&format!("admin/identities/{id}"));
        let response = KRATOS.send(self.request(Method::GET, url), "identity lookup").await?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(KRATOS.unexpected(status, "identity lookup")),
        }
    }

    /// Admin API: puts `old` back as the identity's address, verified (whoever
    /// asks has read a link mailed to it), whatever the address is now: a second
    /// change must not defeat the first one's undo. Kratos derives the login
    /// identifier and the recovery address from it. Asked again after it was
    /// done, it changes nothing and says `Restored`. Says too which second
    /// factors were set up at or after `since`, from the same read.
    pub async fn restore_email(&self, id: Uuid, old: &str, since: DateTime<Utc>) -> Result<EmailRestore, OryError> {
        const OPERATION: &str = "identity update";
        let url = self.admin_url(&format!("admin/identities/{id}"));
        let response = KRATOS.send(self.request(Method::GET, url.clone()), "identity lookup").await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(EmailRestore::Gone);
        }
        KRATOS.expect(&response, StatusCode::OK, "identity lookup")?;
        let wire: wire::Identity = KRATOS.json(response, "identity lookup").await?;
        let addresses = wire.verifiable_addresses.len();
        let created_since = second_factors_since(&wire, since)?;
        let identity =
            Identity::from_wire(wire).ok_or_else(|| KRATOS.protocol("identity lookup", "traits of another schema"))?;
        if identity.traits.email.eq_ignore_ascii_case(old) && identity.email_verified {
            return Ok(EmailRestore::Restored(created_since));
        }
        if addresses != 1 {
            return Err(KRATOS.protocol(OPERATION, "not one verifiable address"));
        }
        let verified_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // Kratos applies the patch to the identity as it is then (it has no
        // `test` operation, and none is needed: every value here is absolute).
        // The one address (our schema has one) takes the old value with its
        // verification: Kratos keeps an address whose value the traits name.
        let patch = serde_json::json!([
            { "op": "replace", "path": "/traits/email", "value": old },
            { "op": "add", "path": "/verifiable_addresses/0/value", "value": old },
            { "op": "add", "path": "/verifiable_addresses/0/verified", "value": true },
            { "op": "add", "path": "/verifiable_addresses/0/status", "value": "completed" },
            { "op": "add", "path": "/verifiable_addresses/0/verified_at", "value": verified_at },
        ]);
        let response = KRATOS.send(self.request(Method::PATCH, url).json(&patch), OPERATION).await?;
        match response.status() {
            StatusCode::OK => Ok(EmailRestore::Restored(created_since)),
            // The address is another identity's identifier now.
            StatusCode::CONFLICT => Ok(EmailRestore::Taken),
            StatusCode::NOT_FOUND => Ok(EmailRestore::Gone),
            status => Err(KRATOS.unexpected(status, OPERATION)),
        }
    }

    /// Admin API: removes the identity's authenticator app, if it has one.
    pub async fn remove_authenticator(&self, id: Uuid) -> Result<(), OryError> {
        self.remove_credential(id, "totp").await
    }

    /// Admin API: removes the identity's recovery codes, if it has them.
    pub async fn remove_recovery_codes(&self, id: Uuid) -> Result<(), OryError> {
        self.remove_credential(id, "lookup_secret").await
    }

    async fn remove_credential(&self, id: Uuid, kind: &str) -> Result<(), OryError> {
        let url = self.admin_url(&format!("admin/identities/{id}/credentials/{kind}"));
        let response = KRATOS.send(self.request(Method::DELETE, url), "credential deletion").await?;
        match response.status() {
            // 404: none of that kind is set up.
            StatusCode::NO_CONTENT | StatusCode::NOT_FOUND => Ok(()),
            status => Err(KRATOS.unexpected(status, "credential deletion")),
        }
    }

    /// Admin API: revokes every session of the identity.
    pub async fn revoke_all_sessions(&self, id: Uuid) -> Result<(), OryError> {
        let url = self.admin_url(&format!("admin/identities/{id}/sessions"));
        let response = KRATOS.send(self.request(Method::DELETE, url), "session revocation").await?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::NOT_FOUND => Ok(()),
            status => Err(KRATOS.unexpected(status, "session revocation")),
        }
    }

    /// Admin API: deletes an identity and, with it, its sessions.
    pub async fn delete_identity(&self, id: Uuid) -> Result<(), OryError> {
        let url = self.admin_url(&format!("admin/identities/{id}"));
        let response = KRATOS.send(self.request(Method::DELETE, url), "identity deletion").await?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::NOT_FOUND => Ok(()),
            status => Err(KRATOS.unexpected(status, "identity deletion")),
        }
    }
}

/// Which second factors of `identity` were set up at or after `since`. Kratos
/// keeps a credential's `created_at` through every update of the identity, and
/// a new authenticator app or a new set of recovery codes is a new credential.
fn second_factors_since(identity: &wire::Identity, since: DateTime<Utc>) -> Result<SecondFactorsSince, OryError> {
    let created_since = |kind: &str| -> Result<bool, OryError> {
        let Some(credential) = identity.credentials.get(kind) else { return Ok(false) };
        let created = credential["created_at"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .ok_or_else(|| KRATOS.protocol("identity lookup", "a credential without its creation time"))?;
        Ok(created >= since)
    };
    Ok(SecondFactorsSince { authenticator: created_since("totp")?, recovery_codes: created_since("lookup_secret")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(addresses: serde_json::Value) -> Option<Identity> {
        Identity::from_wire(
            serde_json::from_value(serde_json::json!({
                "id": "8f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
                "traits": {"email": "Ada@Example.com", "name": "Ada"},
                "verifiable_addresses": addresses
            }))
            .unwrap(),
        )
    }

    #[test]
    fn the_email_is_verified_only_when_its_own_address_is() {
        assert!(identity(serde_json::json!([{"value": "ada@example.com", "verified": true}])).unwrap().email_verified);
        assert!(
            !identity(serde_json::json!([{"value": "ada@example.com", "verified": false}])).unwrap().email_verified
        );
        assert!(!identity(serde_json::json!([{"value": "old@example.com", "verified": true}])).unwrap().email_verified);
        assert!(!identity(serde_json::json!(null)).unwrap().email_verified);
    }

    #[test]
    fn only_second_factors_created_at_or_after_the_moment_count() {
        let wire: wire::Identity = serde_json::from_value(serde_json::json!({
            "id": "8f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "traits": {"email": "ada@example.com", "name": "Ada"},
            "credentials": {
                "password": {"created_at": "2026-12-01T00:00:00Z"},
                "totp": {"created_at": "2026-12-06T10:00:00.505Z", "updated_at": "2026-12-06T10:00:09Z"},
                "lookup_secret": {"created_at": "2026-12-06T10:00:00.700Z"}
            }
        }))
        .unwrap();
        let at = |time: &str| DateTime::parse_from_rfc3339(time).unwrap().with_timezone(&Utc);
        let since = |time| second_factors_since(&wire, at(time)).unwrap();
        assert_eq!(
            since("2026-12-06T10:00:00.600Z"),
            SecondFactorsSince { authenticator: false, recovery_codes: true }
        );
        assert_eq!(since("2026-12-06T10:00:00.505Z"), SecondFactorsSince { authenticator: true, recovery_codes: true });
        assert_eq!(since("2026-12-06T10:00:01Z"), SecondFactorsSince::default(), "`updated_at` does not count");
        let without_time: wire::Identity = serde_json::from_value(serde_json::json!({
            "id": "8f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f", "traits": {}, "credentials": {"totp": {}}
        }))
        .unwrap();
        assert!(second_factors_since(&without_time, at("2026-12-06T10:00:00Z")).is_err(), "fails closed");
    }

    #[test]
    fn a_recovery_code_is_unused_while_kratos_has_no_time_for_it() {
        let config: wire::LookupSecretConfig = serde_json::from_value(serde_json::json!({"recovery_codes": [
            {"code": "a"}, {"code": "b", "used_at": null}, {"code": "c", "used_at": "0001-01-01T00:00:00Z"},
            {"code": "d", "used_at": "2026-12-06T03:00:00Z"}
        ]}))
        .unwrap();
        let unused: Vec<bool> = config.recovery_codes.iter().map(wire::LookupSecretCode::unused).collect();
        assert_eq!(unused, [true, true, true, false]);
    }

    #[test]
    fn traits_of_another_schema_are_not_a_person_of_ours() {
        let wire = serde_json::from_value(serde_json::json!({
            "id": "8f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f", "traits": {"username": "x"}
        }))
        .unwrap();
        assert!(Identity::from_wire(wire).is_none());
    }
}
