//! The database and Keto stay consistent when Keto fails between our steps, and
//! when the process dies between them (the reconciler repairs what is left).

use ory_spa::{authz::Authorizer, db::RowState, documents, groups, ory};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, fault_proxy::FaultProxy, ory::OryStack, problem, spawn_app_on};

/// An app whose Keto *write* API goes through a switchable proxy.
async fn app_with_write_proxy() -> (TestApp, FaultProxy, &'static OryStack) {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let proxy = FaultProxy::start(ory.keto_write).await;
    let app = spawn_app_on(ory, &[("APP_KETO_WRITE_URL", &proxy.url())]).await;
    (app, proxy, ory)
}

async fn database(app: &TestApp) -> DatabaseConnection {
    sea_orm::Database::connect(&app.database_url).await.unwrap()
}

/// Every tuple Keto holds on `namespace:object`.
async fn tuples_on(ory: &OryStack, namespace: &str, object: &str) -> Vec<Value> {
    let body: Value = reqwest::Client::new()
        .get(format!("{}relation-tuples", ory.keto_read_url()))
        .query(&[("namespace", namespace), ("object", object)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["relation_tuples"].as_array().unwrap().clone()
}

#[tokio::test]
async fn creating_a_document_when_keto_cannot_write_leaves_nothing() {
    let (app, proxy, _) = app_with_write_proxy().await;
    let ada = app.person("Ada").await;
    proxy.fail(true);
    let response = app.call(Method::POST, "/api/documents", Some(&ada.token), Some(json!({ "title": "Lost?" }))).await;
    problem(response, 503, "service_unavailable").await;
    proxy.fail(false);

    let db = database(&app).await;
    assert_eq!(documents::entity::Entity::find().count(&db).await.unwrap(), 0, "the pending row was removed");
    assert!(app.titles(&ada).await.is_empty());
    assert_eq!(
        app.call(Method::POST, "/api/documents", Some(&ada.token), Some(json!({ "title": "Again" }))).await.status(),
        201
    );
}

#[tokio::test]
async fn deleting_a_document_when_keto_cannot_write_keeps_it_whole() {
    let (app, proxy, ory) = app_with_write_proxy().await;
    let ada = app.person("Ada").await;
    let id = app.create_document(&ada, "Keep me").await;
    proxy.fail(true);
    problem(
        app.call(Method::DELETE, &format!("/api/documents/{id}"), Some(&ada.token), None).await,
        503,
        "service_unavailable",
    )
    .await;
    proxy.fail(false);

    assert_eq!(app.titles(&ada).await, ["Keep me"], "still listed, still owned");
    assert_eq!(tuples_on(ory, "Document", &id).await.len(), 1);
    assert_eq!(app.call(Method::DELETE, &format!("/api/documents/{id}"), Some(&ada.token), None).await.status(), 204);
    assert!(tuples_on(ory, "Document", &id).await.is_empty());
}

#[tokio::test]
async fn sharing_when_keto_cannot_write_changes_nothing() {
    let (app, proxy, ory) = app_with_write_proxy().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let id = app.create_document(&ada, "Mine").await;
    app.share(&ada, &id, json!({ "email": grace.email, "role": "viewer" })).await;

    proxy.fail(true);
    let promote = app
        .call(
            Method::POST,
            &format!("/api/documents/{id}/collaborators"),
            Some(&ada.token),
            Some(json!({ "email": grace.email, "role": "editor" })),
        )
        .await;
    problem(promote, 503, "service_unavailable").await;
    proxy.fail(false);

    // The patch is one Keto transaction: the viewer tuple was not deleted alone.
    let relations: Vec<String> =
        tuples_on(ory, "Document", &id).await.iter().map(|t| t["relation"].as_str().unwrap().to_owned()).collect();
    assert_eq!(relations.iter().filter(|r| *r == "viewers").count(), 1, "{relations:?}");
    assert!(!relations.contains(&"editors".to_owned()));
    assert_eq!(index_view(&database(&app).await, &id).await, keto_view(ory, &id).await, "the index is unchanged too");
}

#[tokio::test]
async fn groups_survive_keto_write_failures_whole() {
    let (app, proxy, ory) = app_with_write_proxy().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;

    proxy.fail(true);
    problem(
        app.call(Method::POST, "/api/groups", Some(&ada.token), Some(json!({ "name": "G" }))).await,
        503,
        "service_unavailable",
    )
    .await;
    proxy.fail(false);
    let db = database(&app).await;
    assert_eq!(groups::entity::Entity::find().count(&db).await.unwrap(), 0);

    let group = app.create_group(&ada, "G", &[&grace]).await;
    let id = app.create_document(&ada, "Via G").await;
    app.share(&ada, &id, json!({ "group_id": group, "role": "viewer" })).await;
    proxy.fail(true);
    problem(
        app.call(Method::DELETE, &format!("/api/groups/{group}"), Some(&ada.token), None).await,
        503,
        "service_unavailable",
    )
    .await;
    let add = app.call(
        Method::POST,
        &format!("/api/groups/{group}/members"),
        Some(&ada.token),
        Some(json!({ "email": "x@example.com" })),
    );
    assert!(matches!(add.await.status().as_u16(), 404 | 503));
    proxy.fail(false);

    assert_eq!(app.titles(&grace).await, ["Via G"], "the group and its share are intact");
    assert_eq!(tuples_on(ory, "Group", &group).await.len(), 3, "owner, member, and owners-are-members");
}

/// A group goes in two Keto deletes (the shares to its members, then its own
/// tuples). Once the first is done the deletion rolls forward: stopped there, it
/// answers as done, the group is gone from the API, and the reconciler finishes.
#[tokio::test]
async fn a_group_deletion_keto_stops_half_way_rolls_forward() {
    let app = crate::helpers::spawn_app().await;
    let ory = OryStack::shared();
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let group = app.create_group(&ada, "Half", &[&grace]).await;
    let shared = app.create_document(&ada, "Via Half").await;
    app.share(&ada, &shared, json!({ "group_id": group, "role": "viewer" })).await;
    assert_eq!(app.titles(&grace).await, ["Via Half"]);

    // Keto's write API behind the proxy, one connection a request, so that the
    // proxy can let the first delete through and fail the second.
    let proxy = FaultProxy::start(ory.keto_write).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let keto = ory::Keto::new(http, ory.keto_read_url().parse().unwrap(), proxy.url().parse().unwrap());
    let db = database(&app).await;
    let group_id = groups::GroupId(group.parse().unwrap());
    proxy.fail_after(1);
    groups::store::delete(&db, &Authorizer::new(keto, db.clone()), group_id)
        .await
        .expect("done, as far as anyone sees");

    let row = groups::entity::Entity::find_by_id(group_id.0).one(&db).await.unwrap().expect("kept for the reconciler");
    assert_eq!(row.state, RowState::Deleting);
    assert_eq!(app.call(Method::GET, &format!("/api/groups/{group}"), Some(&ada.token), None).await.status(), 404);
    assert!(app.titles(&grace).await.is_empty(), "the share to the group went first");
    assert_eq!(tuples_on(ory, "Document", &shared).await.len(), 1, "the owner's tuple is left");
    assert_eq!(tuples_on(ory, "Group", &group).await.len(), 3, "the second delete did not reach Keto");
    assert_eq!(index_rows(&db, &group).await, (3, 0), "the index follows Keto");

    let authz = Authorizer::new(ory.keto(), db.clone());
    let repaired =
        ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap();
    assert_eq!(repaired, 1);
    assert!(tuples_on(ory, "Group", &group).await.is_empty());
    assert!(groups::entity::Entity::find_by_id(group_id.0).one(&db).await.unwrap().is_none());
    assert_eq!(index_rows(&db, &group).await, (0, 0));
    let memberships: Value = app.call(Method::GET, "/api/groups", Some(&grace.token), None).await.json().await.unwrap();
    assert_eq!(memberships["items"].as_array().map(Vec::len), Some(0), "{memberships}");
}

/// An account's purge deletes its documents a chunk at a time. When Keto fails
/// part-way, nothing of them stays visible, and the reconciler finishes them.
#[tokio::test]
async fn a_purge_keto_stops_part_way_shows_nothing_and_the_reconciler_finishes_it() {
    let app = crate::helpers::spawn_app().await;
    let ory = OryStack::shared();
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = app.create_document(&ada, &format!("Ada's {n}")).await;
        app.share(&ada, &id, json!({ "email": grace.email, "role": "viewer" })).await;
        ids.push(id);
    }
    assert_eq!(app.titles(&grace).await.len(), 5);

    // Keto's write API behind the proxy, one connection a request: two of the
    // five document deletes get through, the rest fail.
    let proxy = FaultProxy::start(ory.keto_write).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let keto = ory::Keto::new(http, ory.keto_read_url().parse().unwrap(), proxy.url().parse().unwrap());
    let db = database(&app).await;
    proxy.fail_after(2);
    let person = ory_spa::auth::UserId(ada.id.parse().unwrap());
    let purged = ory_spa::account::deletion::purge(&db, &Authorizer::new(keto, db.clone()), person).await;
    assert!(purged.is_err(), "Keto's failure is reported");

    assert!(app.titles(&grace).await.is_empty(), "none of them is visible, whatever Keto still holds");
    // The chunk's rows all wait for the reconciler, the two Keto forgot too.
    let rows = documents::entity::Entity::find().all(&db).await.unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|row| row.state == RowState::Deleting), "{rows:?}");
    let mut forgotten = 0;
    for id in &ids {
        let keto = keto_view(ory, id).await;
        forgotten += usize::from(keto.is_empty());
        assert_eq!(index_view(&db, id).await, keto, "the index follows Keto on {id}");
    }
    assert_eq!(forgotten, 2, "two deletes reached Keto");

    let authz = Authorizer::new(ory.keto(), db.clone());
    let repaired =
        ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap();
    assert_eq!(repaired, 5);
    assert_eq!(documents::entity::Entity::find().count(&db).await.unwrap(), 0);
    for id in &ids {
        assert!(tuples_on(ory, "Document", id).await.is_empty(), "{id}");
        assert_eq!(index_rows(&db, id).await, (0, 0));
    }
}

/// Access index rows on `object`, and on documents naming it as the subject.
async fn index_rows(db: &DatabaseConnection, object: &str) -> (u64, u64) {
    use ory_spa::authz::index::entity::{Column, Entity};
    use sea_orm::{ColumnTrait, QueryFilter};
    let object: uuid::Uuid = object.parse().unwrap();
    let on = Entity::find().filter(Column::Object.eq(object)).count(db).await.unwrap();
    let naming = Entity::find()
        .filter(Column::Namespace.eq("Document"))
        .filter(Column::SubjectObject.eq(object))
        .count(db)
        .await
        .unwrap();
    (on, naming)
}

#[tokio::test]
async fn the_reconciler_repairs_what_a_crash_left_between_steps() {
    let app = crate::helpers::spawn_app().await;
    let ory = OryStack::shared();
    let ada = app.person("Ada").await;
    let db = database(&app).await;
    let keto = ory.keto();
    let authz = Authorizer::new(keto, db.clone());
    let owner = ory_spa::auth::UserId(ada.id.parse().unwrap());

    // A create that died after the owner tuple, before `active`.
    let pending = documents::DocumentId(uuid::Uuid::new_v4());
    insert_document(&db, pending, owner, RowState::Pending).await;
    authz.grant(&pending, documents::DocumentRelation::Owners, owner).await.unwrap();
    // A delete that died after marking `deleting`, before Keto.
    let deleting = documents::DocumentId(uuid::Uuid::new_v4());
    insert_document(&db, deleting, owner, RowState::Deleting).await;
    authz.grant(&deleting, documents::DocumentRelation::Owners, owner).await.unwrap();
    // A group delete that died before Keto, with a share to the group.
    let group = app.create_group(&ada, "Doomed", &[]).await;
    let shared = app.create_document(&ada, "Shared with doomed").await;
    app.share(&ada, &shared, json!({ "group_id": group, "role": "viewer" })).await;
    let mut row: groups::entity::ActiveModel = groups::entity::Entity::find_by_id(group.parse::<uuid::Uuid>().unwrap())
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.state = Set(RowState::Deleting);
    row.update(&db).await.unwrap();

    // Unfinished rows are invisible to the API meanwhile.
    assert_eq!(app.titles(&ada).await, ["Shared with doomed"]);

    let repaired =
        ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap();
    assert_eq!(repaired, 3);
    assert_eq!(documents::entity::Entity::find().count(&db).await.unwrap(), 1, "only the real document is left");
    assert!(tuples_on(ory, "Document", &pending.0.to_string()).await.is_empty());
    assert!(tuples_on(ory, "Document", &deleting.0.to_string()).await.is_empty());
    assert!(tuples_on(ory, "Group", &group).await.is_empty());
    let shares = tuples_on(ory, "Document", &shared).await;
    assert_eq!(shares.len(), 1, "the share to the deleted group is gone: {shares:?}");
    assert_eq!(
        ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap(),
        0,
        "idempotent"
    );
}

async fn insert_document(
    db: &DatabaseConnection,
    id: documents::DocumentId,
    owner: ory_spa::auth::UserId,
    state: RowState,
) {
    let now = chrono::Utc::now();
    documents::entity::ActiveModel {
        id: Set(id.0),
        title: Set("interrupted".into()),
        title_folded: Set("interrupted".into()),
        body: Set(String::new()),
        owner_id: Set(owner.0),
        state: Set(state),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
}

/// `(relation, subject object)` of every tuple Keto holds on a document.
async fn keto_view(ory: &OryStack, document: &str) -> Vec<(String, String)> {
    let mut tuples: Vec<(String, String)> = tuples_on(ory, "Document", document)
        .await
        .iter()
        .map(|t| (t["relation"].as_str().unwrap().to_owned(), t["subject_set"]["object"].as_str().unwrap().to_owned()))
        .collect();
    tuples.sort();
    tuples
}

/// The same, as the access index holds it.
async fn index_view(db: &DatabaseConnection, document: &str) -> Vec<(String, String)> {
    use ory_spa::authz::index::entity;
    use sea_orm::{ColumnTrait, QueryFilter};
    let rows = entity::Entity::find()
        .filter(entity::Column::Namespace.eq("Document"))
        .filter(entity::Column::Object.eq(document.parse::<uuid::Uuid>().unwrap()))
        .all(db)
        .await
        .unwrap();
    let mut tuples: Vec<(String, String)> =
        rows.into_iter().map(|r| (r.relation, r.subject_object.to_string())).collect();
    tuples.sort();
    tuples
}

/// The tuple `Document:<document>#<relation>@User:<person>`.
fn holds(person: &crate::helpers::Person, document: &str, relation: &str) -> ory::RelationTuple {
    ory::RelationTuple {
        namespace: "Document".into(),
        object: document.into(),
        relation: relation.into(),
        subject: ory::Subject::Set { namespace: "User".into(), object: person.id.clone(), relation: String::new() },
    }
}

async fn set_index_row(db: &DatabaseConnection, document: &str, person: &crate::helpers::Person, state: RowState) {
    use ory_spa::authz::index::entity;
    entity::Entity::insert(entity::ActiveModel {
        namespace: Set("Document".into()),
        object: Set(document.parse().unwrap()),
        relation: Set("viewers".into()),
        subject_namespace: Set("User".into()),
        subject_object: Set(person.id.parse().unwrap()),
        subject_relation: Set(String::new()),
        state: Set(state),
        updated_at: Set(chrono::Utc::now()),
        // What step 1 writes: the document's time, for the list's order.
        sort_at: Set(Some(chrono::Utc::now())),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            entity::Column::Namespace,
            entity::Column::Object,
            entity::Column::Relation,
            entity::Column::SubjectNamespace,
            entity::Column::SubjectObject,
            entity::Column::SubjectRelation,
        ])
        .update_column(entity::Column::State)
        .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_reconciler_settles_the_access_index_after_a_crash_between_any_two_steps() {
    let app = crate::helpers::spawn_app().await;
    let ory = OryStack::shared();
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let db = database(&app).await;
    let keto = ory.keto();
    let viewer = |document: &str| holds(&grace, document, "viewers");
    let documents: Vec<String> = futures_util::future::join_all(
        ["never shared", "shared", "still shared", "unshared"].map(|title| app.create_document(&ada, title)),
    )
    .await;

    // A share that died after the index row, before Keto: `pending`, no tuple.
    set_index_row(&db, &documents[0], &grace, RowState::Pending).await;
    // A share that died after Keto, before the row was confirmed.
    keto.insert(&viewer(&documents[1])).await.unwrap();
    set_index_row(&db, &documents[1], &grace, RowState::Pending).await;
    // A revocation that died after marking the row, before Keto.
    app.share(&ada, &documents[2], json!({ "email": grace.email, "role": "viewer" })).await;
    set_index_row(&db, &documents[2], &grace, RowState::Deleting).await;
    // A revocation that died after Keto, before the row was removed.
    app.share(&ada, &documents[3], json!({ "email": grace.email, "role": "viewer" })).await;
    keto.patch(&[ory::keto::TupleChange::Delete(viewer(&documents[3]))]).await.unwrap();
    set_index_row(&db, &documents[3], &grace, RowState::Deleting).await;

    // Meanwhile Keto decides what Grace sees, whatever the index says.
    let mut seen = app.titles(&grace).await;
    seen.sort();
    assert_eq!(seen, ["shared", "still shared"]);

    let authz = Authorizer::new(keto, db.clone());
    let repaired =
        ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap();
    assert_eq!(repaired, 4);
    for document in &documents {
        assert_eq!(index_view(&db, document).await, keto_view(ory, document).await, "index and Keto agree");
    }
    let page: Value =
        app.call(Method::GET, "/api/documents?per_page=100", Some(&grace.token), None).await.json().await.unwrap();
    assert_eq!(page["total"], 2, "no candidate left over: {page}");
    assert_eq!(
        ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap(),
        0,
        "idempotent"
    );
}

/// A list asks Keto whether the person still holds the relation the index names,
/// and asks the permit itself when not: so when Keto changes behind the index, a
/// role changed there still shows the document, and a share removed there hides it.
#[tokio::test]
async fn keto_decides_the_list_when_the_index_names_a_relation_it_no_longer_has() {
    let app = crate::helpers::spawn_app().await;
    let ory = OryStack::shared();
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let db = database(&app).await;
    let keto = ory.keto();
    let grace_holds = |document: &str, relation: &str| holds(&grace, document, relation);
    let promoted = app.create_document(&ada, "promoted").await;
    let dropped = app.create_document(&ada, "dropped").await;
    for document in [&promoted, &dropped] {
        app.share(&ada, document, json!({ "email": grace.email, "role": "viewer" })).await;
    }
    assert_eq!(app.titles(&grace).await, ["dropped", "promoted"]);

    use ory::keto::TupleChange::{Delete, Insert};
    keto.patch(&[Delete(grace_holds(&promoted, "viewers")), Insert(grace_holds(&promoted, "editors"))]).await.unwrap();
    keto.patch(&[Delete(grace_holds(&dropped, "viewers"))]).await.unwrap();
    for document in [&promoted, &dropped] {
        let index = index_view(&db, document).await;
        assert!(index.contains(&("viewers".into(), grace.id.clone())), "the index still names the old share");
    }

    assert_eq!(app.titles(&grace).await, ["promoted"]);
    let page: Value =
        app.call(Method::GET, "/api/documents?per_page=100", Some(&grace.token), None).await.json().await.unwrap();
    assert_eq!(page["items"][0]["id"], promoted.as_str());
}
