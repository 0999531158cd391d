//! The authorization matrix: every endpoint × {owner, editor, viewer, group
//! member, stranger, anonymous}, each cell's exact status, against the real Keto.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Person, TestApp, spawn_app};

const ROLES: [&str; 6] = ["owner", "editor", "viewer", "member", "stranger", "anonymous"];

struct World {
    app: TestApp,
    people: Vec<Person>, // owner, editor, viewer, member, stranger (anonymous has none)
    third: Person,
    document: String,
    group: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let mut people = Vec::new();
    for name in ["Owner", "Editor", "Viewer", "Member", "Stranger"] {
        people.push(app.person(name).await);
    }
    let third = app.person("Third").await;
    let document = app.create_document(&people[0], "Matrix").await;
    app.share(&people[0], &document, json!({ "email": people[1].email, "role": "editor" })).await;
    app.share(&people[0], &document, json!({ "email": people[2].email, "role": "viewer" })).await;
    let group = app.create_group(&people[0], "Readers", &[&people[3]]).await;
    app.share(&people[0], &document, json!({ "group_id": group, "role": "viewer" })).await;
    World { app, people, third, document, group }
}

impl World {
    fn token(&self, role: usize) -> Option<&str> {
        self.people.get(role).map(|p| p.token.as_str())
    }

    /// Calls the endpoint as each role in `order` (indexes into ROLES) and checks
    /// each status; the order lets destructive calls run with the owner last.
    async fn check(&self, method: Method, path: &str, body: Option<Value>, expected: [u16; 6], order: [usize; 6]) {
        for role in order {
            let response = self.app.call(method.clone(), path, self.token(role), body.clone()).await;
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert_eq!(status, expected[role], "{method} {path} as {}: {text}", ROLES[role]);
        }
    }
}

const OWNER_LAST: [usize; 6] = [5, 4, 3, 2, 1, 0];

#[tokio::test]
async fn document_endpoints() {
    let w = world().await;
    let doc = format!("/api/documents/{}", w.document);
    let rename = Some(json!({ "title": "Renamed" }));
    let share_third = Some(json!({ "email": w.third.email, "role": "viewer" }));
    let other_group = uuid::Uuid::new_v4();

    //                                                                    owner editor viewer member stranger anon
    w.check(Method::GET, "/api/documents", None, [200, 200, 200, 200, 200, 401], OWNER_LAST).await;
    w.check(Method::GET, &doc, None, [200, 200, 200, 200, 404, 401], OWNER_LAST).await;
    w.check(Method::PATCH, &doc, rename, [200, 200, 403, 403, 404, 401], OWNER_LAST).await;
    w.check(Method::GET, &format!("{doc}/collaborators"), None, [200, 200, 200, 200, 404, 401], OWNER_LAST).await;
    w.check(Method::POST, &format!("{doc}/collaborators"), share_third, [204, 403, 403, 403, 404, 401], OWNER_LAST)
        .await;
    w.check(
        Method::DELETE,
        &format!("{doc}/collaborators/users/{}", w.third.id),
        None,
        [204, 403, 403, 403, 404, 401],
        OWNER_LAST,
    )
    .await;
    w.check(
        Method::DELETE,
        &format!("{doc}/collaborators/groups/{other_group}"),
        None,
        [204, 403, 403, 403, 404, 401],
        OWNER_LAST,
    )
    .await;
    w.check(Method::DELETE, &doc, None, [204, 403, 403, 403, 404, 401], OWNER_LAST).await;
    // Gone for everyone afterwards.
    w.check(Method::GET, &doc, None, [404, 404, 404, 404, 404, 401], OWNER_LAST).await;
}

#[tokio::test]
async fn listing_shows_exactly_what_each_may_view() {
    let w = world().await;
    for (role, expected) in [(0, true), (1, true), (2, true), (3, true), (4, false)] {
        let titles = w.app.titles(&w.people[role]).await;
        assert_eq!(titles.contains(&"Matrix".to_owned()), expected, "as {}", ROLES[role]);
    }
}

#[tokio::test]
async fn creating_needs_only_a_session() {
    let w = world().await;
    let body = Some(json!({ "title": "Anyone's" }));
    w.check(Method::POST, "/api/documents", body, [201, 201, 201, 201, 201, 401], OWNER_LAST).await;
    let body = Some(json!({ "name": "Anyone's group" }));
    w.check(Method::POST, "/api/groups", body, [201, 201, 201, 201, 201, 401], OWNER_LAST).await;
    w.check(Method::GET, "/api/groups", None, [200, 200, 200, 200, 200, 401], OWNER_LAST).await;
}

#[tokio::test]
async fn group_endpoints() {
    let w = world().await;
    let group = format!("/api/groups/{}", w.group);
    let add_third = Some(json!({ "email": w.third.email }));

    // The group's owner is "owner", its member "member"; editor and viewer of the
    // document have nothing to do with the group and see what a stranger sees.
    //                                                              owner editor viewer member stranger anon
    w.check(Method::GET, &group, None, [200, 404, 404, 200, 404, 401], OWNER_LAST).await;
    w.check(Method::POST, &format!("{group}/members"), add_third, [204, 404, 404, 403, 404, 401], OWNER_LAST).await;
    w.check(
        Method::DELETE,
        &format!("{group}/members/{}", w.third.id),
        None,
        [204, 404, 404, 403, 404, 401],
        OWNER_LAST,
    )
    .await;
    w.check(Method::DELETE, &group, None, [204, 404, 404, 403, 404, 401], OWNER_LAST).await;
    w.check(Method::GET, &group, None, [404, 404, 404, 404, 404, 401], OWNER_LAST).await;
}

/// The list asks Keto whether a person still holds the relation the index names
/// and takes a yes as `view` (`Resource::implies`). That mirror of the permits in
/// `keto/namespaces.keto.ts` must agree with Keto, relation by permit, in every
/// namespace: a tuple of each relation is written for a fresh person, and Keto is
/// asked each permit.
#[tokio::test]
async fn every_relation_implies_exactly_the_permits_keto_grants() {
    use ory_spa::{
        auth::UserId,
        authz::{App, Name, Resource, relation_tuple},
        documents::DocumentId,
        groups::GroupId,
        ory::{self, RelationTuple},
    };
    use uuid::Uuid;

    async fn agrees<R: Resource>(keto: &ory::Keto, resource: R) -> usize {
        let mut asked = 0;
        for &relation in R::Relation::ALL {
            let user = UserId(Uuid::new_v4());
            let tuple = relation_tuple(&resource, relation, user);
            keto.insert(&tuple).await.unwrap();
            for &permission in R::Permission::ALL {
                let permit = RelationTuple { relation: permission.as_str().to_owned(), ..tuple.clone() };
                let granted = keto.check(&permit).await.unwrap();
                assert_eq!(
                    granted,
                    R::implies(relation, permission),
                    "{}:{} {relation:?} → {permission:?}",
                    R::NAMESPACE,
                    resource.object_id()
                );
                asked += 1;
            }
            keto.patch(&[ory::keto::TupleChange::Delete(tuple)]).await.unwrap();
        }
        asked
    }

    let ory = tokio::task::spawn_blocking(crate::helpers::ory::OryStack::shared).await.unwrap();
    let keto = ory.keto();
    let asked = agrees(&keto, DocumentId(Uuid::new_v4())).await
        + agrees(&keto, GroupId(Uuid::new_v4())).await
        + agrees(&keto, App::Home).await;
    assert_eq!(asked, 3 * 4 + 2 * 2 + 1, "every relation × permit pair was asked");
}
