//! Identities: their traits, and the admin API calls we need (server-side only).

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

/// The second factors an identity has set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactors {
    pub totp: bool,
    pub recovery_codes: bool,
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

    /// Admin API: which second factors the identity has set up.
    pub async fn second_factors(&self, id: Uuid) -> Result<SecondFactors, OryError> {
        let url = self.admin_url(&format!("admin/identities/{id}"));
        let response = KRATOS.send(self.request(Method::GET, url), "identity lookup").await?;
        KRATOS.expect(&response, StatusCode::OK, "identity lookup")?;
        let identity: wire::Identity = KRATOS.json(response, "identity lookup").await?;
        Ok(SecondFactors {
            totp: identity.credentials.contains_key("totp"),
            recovery_codes: identity.credentials.contains_key("lookup_secret"),
        })
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
    fn traits_of_another_schema_are_not_a_person_of_ours() {
        let wire = serde_json::from_value(serde_json::json!({
            "id": "8f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f", "traits": {"username": "x"}
        }))
        .unwrap();
        assert!(Identity::from_wire(wire).is_none());
    }
}
