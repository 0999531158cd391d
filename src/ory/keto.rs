//! Keto's read API (checks) and write API (relation tuples).
//!
//! Checks use `/relation-tuples/check/openapi`, which answers 200 with
//! `{"allowed": …}` either way; anything else is an error, and an error is never
//! read as "allowed".

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{KETO, OryError};

/// The most tuples we send in one batch check: a page of 100 is one round trip.
/// Keto refuses more than its `limit.max_batch_check_size` (default 10), which
/// `keto/keto.yml` raises to this.
pub const BATCH_LIMIT: usize = 100;

/// Who a relation tuple grants something to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// `Namespace:object` (with an empty relation: the object itself, e.g. `User:<id>`)
    /// or `Namespace:object#relation` (everyone with that relation, e.g. a group's members).
    Set { namespace: String, object: String, relation: String },
}

/// `namespace:object#relation@subject`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelationTuple {
    pub namespace: String,
    pub object: String,
    pub relation: String,
    pub subject: Subject,
}

#[derive(Serialize, Deserialize)]
struct WireSubjectSet {
    namespace: String,
    object: String,
    #[serde(default)]
    relation: String,
}

#[derive(Serialize, Deserialize)]
struct WireTuple {
    namespace: String,
    object: String,
    relation: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    subject_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    subject_set: Option<WireSubjectSet>,
}

impl From<&RelationTuple> for WireTuple {
    fn from(tuple: &RelationTuple) -> Self {
        let Subject::Set { namespace, object, relation } = &tuple.subject;
        WireTuple {
            namespace: tuple.namespace.clone(),
            object: tuple.object.clone(),
            relation: tuple.relation.clone(),
            subject_id: None,
            subject_set: Some(WireSubjectSet {
                namespace: namespace.clone(),
                object: object.clone(),
                relation: relation.clone(),
            }),
        }
    }
}

impl WireTuple {
    fn into_tuple(self) -> Option<RelationTuple> {
        // Every tuple we write has a subject set; a bare subject id (written by
        // someone else) is not a user of ours and is skipped.
        let set = self.subject_set?;
        Some(RelationTuple {
            namespace: self.namespace,
            object: self.object,
            relation: self.relation,
            subject: Subject::Set { namespace: set.namespace, object: set.object, relation: set.relation },
        })
    }
}

#[derive(Deserialize)]
struct WireAllowed {
    allowed: bool,
}

#[derive(Serialize)]
struct WireBatchCheck<'a> {
    tuples: &'a [WireTuple],
}

#[derive(Deserialize)]
struct WireBatchResults {
    results: Vec<WireBatchResult>,
}

#[derive(Deserialize)]
struct WireBatchResult {
    allowed: bool,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Serialize)]
struct WirePatch {
    action: &'static str,
    relation_tuple: WireTuple,
}

#[derive(Deserialize)]
struct WireTupleList {
    relation_tuples: Vec<WireTuple>,
    #[serde(default)]
    next_page_token: String,
}

/// Which tuples of a namespace [`Keto::delete_matching`] removes. There is
/// deliberately no way to say "all of them".
#[derive(Debug, Clone, Copy)]
pub enum Matching<'a> {
    /// Every tuple on this object.
    Object(&'a str),
    /// Every tuple granting something to this subject.
    Subject(&'a Subject),
}

fn append_subject(query: &mut url::form_urlencoded::Serializer<'_, url::UrlQuery<'_>>, subject: &Subject) {
    let Subject::Set { namespace, object, relation } = subject;
    query
        .append_pair("subject_set.namespace", namespace)
        .append_pair("subject_set.object", object)
        .append_pair("subject_set.relation", relation);
}

/// A change to apply atomically with [`Keto::patch`].
#[derive(Debug, Clone)]
pub enum TupleChange {
    Insert(RelationTuple),
    Delete(RelationTuple),
}

#[derive(Clone)]
pub struct Keto {
    http: reqwest::Client,
    read: Url,
    write: Url,
}

impl Keto {
    pub fn new(http: reqwest::Client, read: Url, write: Url) -> Self {
        Keto { http, read, write }
    }

    /// The same service through another HTTP client (one per server worker:
    /// `startup::server` says why).
    pub fn with_http(&self, http: reqwest::Client) -> Self {
        Keto { http, ..self.clone() }
    }

    /// Is `tuple` true, directly or through the namespace's permission rules?
    pub async fn check(&self, tuple: &RelationTuple) -> Result<bool, OryError> {
        let request =
            self.request(&self.read, Method::POST, "relation-tuples/check/openapi").json(&WireTuple::from(tuple));
        let response = KETO.send(request, "check").await?;
        KETO.expect(&response, StatusCode::OK, "check")?;
        Ok(KETO.json::<WireAllowed>(response, "check").await?.allowed)
    }

    /// Checks many tuples; the answers are in the same order. Keto takes at most
    /// [`BATCH_LIMIT`] tuples per batch, so larger sets go as concurrent batches.
    /// A tuple Keto could not evaluate fails the whole call: never read as allowed.
    pub async fn batch_check(&self, tuples: &[RelationTuple]) -> Result<Vec<bool>, OryError> {
        let batches = tuples.chunks(BATCH_LIMIT).map(|batch| self.batch_check_one(batch));
        let answers = futures_util::future::try_join_all(batches).await?;
        Ok(answers.into_iter().flatten().collect())
    }

    async fn batch_check_one(&self, tuples: &[RelationTuple]) -> Result<Vec<bool>, OryError> {
        let wire: Vec<WireTuple> = tuples.iter().map(WireTuple::from).collect();
        let request = self
            .request(&self.read, Method::POST, "relation-tuples/batch/check")
            .json(&WireBatchCheck { tuples: &wire });
        let response = KETO.send(request, "batch check").await?;
        KETO.expect(&response, StatusCode::OK, "batch check")?;
        let results: WireBatchResults = KETO.json(response, "batch check").await?;
        if results.results.len() != tuples.len() {
            return Err(KETO.protocol("batch check", "the answer has a different number of results"));
        }
        results
            .results
            .into_iter()
            .map(|result| match result.error {
                Some(error) if !error.is_empty() => Err(KETO.protocol("batch check", error)),
                _ => Ok(result.allowed),
            })
            .collect()
    }

    /// Writes one tuple (idempotent: writing an existing tuple is not an error).
    pub async fn insert(&self, tuple: &RelationTuple) -> Result<(), OryError> {
        let request = self.request(&self.write, Method::PUT, "admin/relation-tuples").json(&WireTuple::from(tuple));
        let response = KETO.send(request, "write").await?;
        KETO.expect(&response, StatusCode::CREATED, "write")
    }

    /// Applies inserts and deletes in one Keto transaction: all or nothing.
    pub async fn patch(&self, changes: &[TupleChange]) -> Result<(), OryError> {
        if changes.is_empty() {
            return Ok(());
        }
        let body: Vec<WirePatch> = changes
            .iter()
            .map(|change| {
                let (action, tuple) = match change {
                    TupleChange::Insert(tuple) => ("insert", tuple),
                    TupleChange::Delete(tuple) => ("delete", tuple),
                };
                WirePatch { action, relation_tuple: tuple.into() }
            })
            .collect();
        let request = self.request(&self.write, Method::PATCH, "admin/relation-tuples").json(&body);
        let response = KETO.send(request, "patch").await?;
        KETO.expect(&response, StatusCode::NO_CONTENT, "patch")
    }

    /// Deletes every tuple of `namespace` that `matching` selects, in one
    /// statement (idempotent). Far cheaper than a patch of the same deletes:
    /// Keto v0.14.0 runs a patch's deletes as one `OR` chain per few tuples,
    /// which took 6 to 10 ms a tuple on SQLite with ten thousand stored.
    pub async fn delete_matching(&self, namespace: &str, matching: &Matching<'_>) -> Result<(), OryError> {
        let mut url = self.write.join("admin/relation-tuples").expect("static path");
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("namespace", namespace);
            match matching {
                Matching::Object(object) => {
                    query.append_pair("object", object);
                }
                Matching::Subject(subject) => append_subject(&mut query, subject),
            }
        }
        let response = KETO.send(self.http.delete(url), "delete").await?;
        KETO.expect(&response, StatusCode::NO_CONTENT, "delete")
    }

    /// Lists the tuples matching the query, following Keto's pagination to the end.
    pub async fn list(
        &self,
        namespace: &str,
        object: Option<&str>,
        subject: Option<&Subject>,
    ) -> Result<Vec<RelationTuple>, OryError> {
        let mut tuples = Vec::new();
        let mut page_token = String::new();
        loop {
            let mut url = self.read.join("relation-tuples").expect("static path");
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("namespace", namespace).append_pair("page_size", "500");
                if let Some(object) = object {
                    query.append_pair("object", object);
                }
                if let Some(subject) = subject {
                    append_subject(&mut query, subject);
                }
                if !page_token.is_empty() {
                    query.append_pair("page_token", &page_token);
                }
            }
            let response = KETO.send(self.http.get(url), "list").await?;
            KETO.expect(&response, StatusCode::OK, "list")?;
            let page: WireTupleList = KETO.json(response, "list").await?;
            tuples.extend(page.relation_tuples.into_iter().filter_map(WireTuple::into_tuple));
            if page.next_page_token.is_empty() {
                return Ok(tuples);
            }
            page_token = page.next_page_token;
        }
    }

    /// Whether exactly this tuple is stored (not whether it is implied by rules).
    pub async fn exists(&self, tuple: &RelationTuple) -> Result<bool, OryError> {
        let Subject::Set { namespace, object, relation } = &tuple.subject;
        let mut url = self.read.join("relation-tuples").expect("static path");
        url.query_pairs_mut()
            .append_pair("namespace", &tuple.namespace)
            .append_pair("object", &tuple.object)
            .append_pair("relation", &tuple.relation)
            .append_pair("subject_set.namespace", namespace)
            .append_pair("subject_set.object", object)
            .append_pair("subject_set.relation", relation)
            .append_pair("page_size", "1");
        let response = KETO.send(self.http.get(url), "list").await?;
        KETO.expect(&response, StatusCode::OK, "list")?;
        let page: WireTupleList = KETO.json(response, "list").await?;
        Ok(!page.relation_tuples.is_empty())
    }

    /// Readiness of Keto's read API.
    pub async fn ready(&self) -> Result<(), OryError> {
        let response = KETO.send(self.request(&self.read, Method::GET, "health/ready"), "readiness").await?;
        KETO.expect(&response, StatusCode::OK, "readiness")
    }

    fn request(&self, base: &Url, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, base.join(path).expect("static path"))
    }
}
