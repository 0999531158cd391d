//! Documents and sharing, as the people using them see it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Person, TestApp, ory::OryStack, problem, spawn_app, spawn_replica};

#[tokio::test]
async fn create_read_update_delete() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;

    let created = app
        .call(Method::POST, "/api/documents", Some(&ada.token), Some(json!({ "title": "  Notes  ", "body": "first" })))
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["title"], "Notes", "titles are trimmed");
    assert_eq!(created["owner_id"], ada.id.as_str());
    assert_eq!(created["permissions"], json!({ "edit": true, "share": true, "delete": true }));

    let fetched: Value =
        app.call(Method::GET, &format!("/api/documents/{id}"), Some(&ada.token), None).await.json().await.unwrap();
    assert_eq!(fetched["body"], "first");

    let updated = app
        .call(Method::PATCH, &format!("/api/documents/{id}"), Some(&ada.token), Some(json!({ "body": "second" })))
        .await;
    assert_eq!(updated.status(), 200);
    let updated: Value = updated.json().await.unwrap();
    assert_eq!(updated["body"], "second");
    assert_eq!(updated["title"], "Notes");
    assert!(updated["updated_at"].as_str() > created["updated_at"].as_str());

    assert_eq!(app.call(Method::DELETE, &format!("/api/documents/{id}"), Some(&ada.token), None).await.status(), 204);
    problem(app.call(Method::GET, &format!("/api/documents/{id}"), Some(&ada.token), None).await, 404, "not_found")
        .await;
    assert!(app.titles(&ada).await.is_empty());
}

#[tokio::test]
async fn titles_and_bodies_are_validated() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let post = |body: Value| app.call(Method::POST, "/api/documents", Some(&ada.token), Some(body));

    for title in ["", "   ", &"t".repeat(201)] {
        let body = problem(post(json!({ "title": title })).await, 400, "validation_failed").await;
        assert_eq!(body["messages"][0]["field"], "title", "{body}");
    }
    assert_eq!(post(json!({ "title": "t".repeat(200) })).await.status(), 201, "200 characters is fine");
    assert_eq!(post(json!({ "title": "é".repeat(200) })).await.status(), 201, "characters, not bytes");

    let mib = 1024 * 1024;
    assert_eq!(post(json!({ "title": "big", "body": "b".repeat(mib) })).await.status(), 201, "exactly 1 MiB is fine");
    problem(post(json!({ "title": "big", "body": "b".repeat(mib + 1) })).await, 413, "payload_too_large").await;
    problem(post(json!({ "title": "huge", "body": "b".repeat(8 * mib) })).await, 413, "payload_too_large").await;

    problem(post(json!({ "title": "x", "owner_id": ada.id })).await, 400, "malformed_request").await;
    problem(post(json!({ "body": "no title" })).await, 400, "malformed_request").await;
    problem(post(json!({ "title": 42 })).await, 400, "malformed_request").await;

    let id = app.create_document(&ada, "Doc").await;
    let patch = |body: Value| app.call(Method::PATCH, &format!("/api/documents/{id}"), Some(&ada.token), Some(body));
    problem(patch(json!({})).await, 400, "validation_failed").await;
    problem(patch(json!({ "title": "" })).await, 400, "validation_failed").await;
    problem(patch(json!({ "state": "active" })).await, 400, "malformed_request").await;
}

#[tokio::test]
async fn malformed_ids_are_400() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    for path in ["/api/documents/not-a-uuid", "/api/documents/123/collaborators", "/api/groups/xyz"] {
        problem(app.call(Method::GET, path, Some(&ada.token), None).await, 400, "malformed_request").await;
    }
    problem(
        app.call(
            Method::DELETE,
            "/api/documents/00000000-0000-0000-0000-000000000000/collaborators/users/nope",
            Some(&ada.token),
            None,
        )
        .await,
        400,
        "malformed_request",
    )
    .await;
}

#[tokio::test]
async fn pages_of_the_list() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    for n in 0..5 {
        app.create_document(&ada, &format!("doc {n}")).await;
    }
    let page = |query: &str| app.call(Method::GET, &format!("/api/documents?{query}"), Some(&ada.token), None);
    let first: Value = page("per_page=2").await.json().await.unwrap();
    assert_eq!(first["total"], 5);
    assert_eq!(first["per_page"], 2);
    let titles = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|d| d["title"].as_str().unwrap().into()).collect()
    };
    assert_eq!(titles(&first), ["doc 4", "doc 3"], "newest first");
    let third: Value = page("per_page=2&page=3").await.json().await.unwrap();
    assert_eq!(titles(&third), ["doc 0"]);
    let beyond: Value = page("per_page=2&page=9").await.json().await.unwrap();
    assert!(titles(&beyond).is_empty());

    problem(page("per_page=0").await, 400, "validation_failed").await;
    problem(page("per_page=101").await, 400, "validation_failed").await;
    problem(page("page=0").await, 400, "validation_failed").await;
    problem(page("page=abc").await, 400, "malformed_request").await;
    problem(page("sort=title").await, 400, "malformed_request").await;
}

#[tokio::test]
async fn sharing_with_a_person_then_revoking_takes_effect_at_once() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let id = app.create_document(&ada, "Shared").await;
    let doc = format!("/api/documents/{id}");

    problem(app.call(Method::GET, &doc, Some(&grace.token), None).await, 404, "not_found").await;
    app.share(&ada, &id, json!({ "email": grace.email, "role": "viewer" })).await;

    let seen: Value = app.call(Method::GET, &doc, Some(&grace.token), None).await.json().await.unwrap();
    assert_eq!(seen["permissions"], json!({ "edit": false, "share": false, "delete": false }));
    assert_eq!(app.titles(&grace).await, ["Shared"]);
    problem(
        app.call(Method::PATCH, &doc, Some(&grace.token), Some(json!({ "title": "mine" }))).await,
        403,
        "forbidden",
    )
    .await;

    // Promote to editor: the role is replaced, not added.
    app.share(&ada, &id, json!({ "email": grace.email, "role": "editor" })).await;
    assert_eq!(
        app.call(Method::PATCH, &doc, Some(&grace.token), Some(json!({ "title": "edited" }))).await.status(),
        200
    );
    let collaborators: Value =
        app.call(Method::GET, &format!("{doc}/collaborators"), Some(&ada.token), None).await.json().await.unwrap();
    assert_eq!(
        collaborators["collaborators"],
        json!([
            { "kind": "user", "id": ada.id, "email": ada.email, "name": "Ada", "role": "owner" },
            { "kind": "user", "id": grace.id, "email": grace.email, "name": "Grace", "role": "editor" },
        ])
    );

    let revoke =
        app.call(Method::DELETE, &format!("{doc}/collaborators/users/{}", grace.id), Some(&ada.token), None).await;
    assert_eq!(revoke.status(), 204);
    problem(app.call(Method::GET, &doc, Some(&grace.token), None).await, 404, "not_found").await;
    assert!(app.titles(&grace).await.is_empty());
}

#[tokio::test]
async fn sharing_through_a_group_follows_membership() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let group = app.create_group(&ada, "Reviewers", &[&grace]).await;
    let id = app.create_document(&ada, "For reviewers").await;
    app.share(&ada, &id, json!({ "group_id": group, "role": "viewer" })).await;

    assert_eq!(app.titles(&grace).await, ["For reviewers"]);
    assert_eq!(app.call(Method::GET, &format!("/api/documents/{id}"), Some(&grace.token), None).await.status(), 200);
    let collaborators: Value = app
        .call(Method::GET, &format!("/api/documents/{id}/collaborators"), Some(&grace.token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        collaborators["collaborators"][1],
        json!({ "kind": "group", "id": group, "name": "Reviewers", "role": "viewer" })
    );

    // Leaving the group takes the document away on the next request.
    let removed =
        app.call(Method::DELETE, &format!("/api/groups/{group}/members/{}", grace.id), Some(&ada.token), None).await;
    assert_eq!(removed.status(), 204);
    assert!(app.titles(&grace).await.is_empty());
    problem(app.call(Method::GET, &format!("/api/documents/{id}"), Some(&grace.token), None).await, 404, "not_found")
        .await;

    // And joining again gives it back.
    let added = app
        .call(
            Method::POST,
            &format!("/api/groups/{group}/members"),
            Some(&ada.token),
            Some(json!({ "email": grace.email })),
        )
        .await;
    assert_eq!(added.status(), 204);
    assert_eq!(app.titles(&grace).await, ["For reviewers"]);
}

#[tokio::test]
async fn group_owners_count_as_members() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    // Grace owns the group and Ada is a member; Ada shares with the group, and
    // Grace gets the document through ownership of the group alone.
    let group = app.create_group(&grace, "Grace's", &[&ada]).await;
    let id = app.create_document(&ada, "Ada's").await;
    app.share(&ada, &id, json!({ "group_id": group, "role": "editor" })).await;
    let doc: Value =
        app.call(Method::GET, &format!("/api/documents/{id}"), Some(&grace.token), None).await.json().await.unwrap();
    assert_eq!(doc["permissions"]["edit"], true, "the group's owner edits through the group");
}

#[tokio::test]
async fn bad_shares_are_refused_clearly() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let id = app.create_document(&ada, "Mine").await;
    let share = |body: Value| {
        app.call(Method::POST, &format!("/api/documents/{id}/collaborators"), Some(&ada.token), Some(body))
    };

    let unknown =
        problem(share(json!({ "email": "nobody-here@example.com", "role": "viewer" })).await, 404, "not_found").await;
    assert!(unknown["detail"].as_str().unwrap().contains("nobody-here@example.com"), "{unknown}");
    problem(share(json!({ "email": ada.email, "role": "viewer" })).await, 400, "validation_failed").await;
    let role = problem(share(json!({ "email": ada.email, "role": "owner" })).await, 400, "malformed_request").await;
    assert!(role["detail"].as_str().unwrap().contains("viewer"), "names the valid roles: {role}");
    problem(share(json!({ "role": "viewer" })).await, 400, "validation_failed").await;
    problem(
        share(json!({ "email": ada.email, "group_id": uuid::Uuid::new_v4(), "role": "viewer" })).await,
        400,
        "validation_failed",
    )
    .await;
    problem(share(json!({ "group_id": uuid::Uuid::new_v4(), "role": "viewer" })).await, 404, "not_found").await;

    // A group the owner does not belong to looks nonexistent.
    let grace = app.person("Grace").await;
    let graces_group = app.create_group(&grace, "Private", &[]).await;
    problem(share(json!({ "group_id": graces_group, "role": "viewer" })).await, 404, "not_found").await;

    let revoke_owner = app.call(
        Method::DELETE,
        &format!("/api/documents/{id}/collaborators/users/{}", ada.id),
        Some(&ada.token),
        None,
    );
    problem(revoke_owner.await, 400, "validation_failed").await;
}

#[tokio::test]
async fn an_edited_document_moves_to_the_top_of_the_list() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let mut ids = Vec::new();
    for title in ["oldest", "middle", "newest"] {
        let id = app.create_document(&ada, title).await;
        app.share(&ada, &id, json!({ "email": grace.email, "role": "editor" })).await;
        ids.push(id);
    }
    assert_eq!(app.titles(&grace).await, ["newest", "middle", "oldest"]);

    // Edited by a collaborator: the order is the document's, whoever lists it.
    let edited = app
        .call(Method::PATCH, &format!("/api/documents/{}", ids[0]), Some(&grace.token), Some(json!({ "body": "new" })))
        .await;
    assert_eq!(edited.status(), 200);
    assert_eq!(app.titles(&grace).await, ["oldest", "newest", "middle"]);
    assert_eq!(app.titles(&ada).await, ["oldest", "newest", "middle"]);

    let page: Value =
        app.call(Method::GET, "/api/documents?per_page=2&page=2", Some(&ada.token), None).await.json().await.unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"][0]["title"], "middle");
}

/// A share written while an edit of the same document is in flight must give
/// its new index row the edit's time, or the document sits where it was before
/// the edit in the list of whoever the share reached. The edit is held open in
/// its transaction, making the two writes `documents::store::update` makes,
/// while the share is sent. On PostgreSQL (READ COMMITTED) nothing but a lock
/// makes the share wait; SQLite lets one writer in at a time.
#[tokio::test]
async fn a_share_racing_an_edit_lists_the_document_where_the_edit_put_it() {
    use ory_spa::{authz::index::AccessIndex, documents::entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait, prelude::Expr};

    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let raced = app.create_document(&ada, "raced").await;
    let later = app.create_document(&ada, "later").await;
    app.share(&ada, &later, json!({ "email": grace.email, "role": "viewer" })).await;

    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let edit = db.begin().await.unwrap();
    let edited_at = chrono::Utc::now();
    let raced_id: uuid::Uuid = raced.parse().unwrap();
    entity::Entity::update_many()
        .col_expr(entity::Column::UpdatedAt, Expr::value(edited_at))
        .filter(entity::Column::Id.eq(raced_id))
        .exec(&edit)
        .await
        .unwrap();
    AccessIndex::restamp(&edit, raced_id, edited_at).await.unwrap();

    let mut share = tokio::spawn({
        let request = app
            .post(&format!("/api/documents/{raced}/collaborators"))
            .bearer_auth(&ada.token)
            .json(&json!({ "email": grace.email, "role": "viewer" }));
        async move { request.send().await.unwrap().status() }
    });
    // Time for the share to reach its database write, or to finish if it does
    // not wait for the edit.
    let early = tokio::time::timeout(std::time::Duration::from_secs(1), &mut share).await.ok();
    edit.commit().await.unwrap();
    let finished_first = early.is_some();
    let status = match early {
        Some(status) => status.unwrap(),
        None => share.await.unwrap(),
    };
    assert_eq!(status, 204);
    assert_eq!(
        app.titles(&grace).await,
        ["raced", "later"],
        "the edit put `raced` first (the share {} the edit)",
        if finished_first { "did not wait for" } else { "waited for" }
    );
}

/// A list's `total` is remembered per replica under the generations of the
/// principals it was counted for (`AccessIndex::count_reached`). Every change
/// to what a person reaches must move it, on the other replica too: here every
/// write goes through `second` and every count is read from `first`.
#[tokio::test]
async fn the_total_follows_every_change_made_through_another_replica() {
    let first = spawn_app().await;
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let second = spawn_replica(&first, ory, &[]).await;
    let ada = second.person("Ada").await;
    let grace = second.person("Grace").await;
    async fn total(app: &TestApp, person: &Person) -> u64 {
        let list: Value =
            app.call(Method::GET, "/api/documents", Some(&person.token), None).await.json().await.unwrap();
        list["total"].as_u64().unwrap()
    }
    let expect = |count: u64, why: &'static str| {
        let (first, grace) = (&first, &grace);
        async move {
            // Twice: the second answer comes from the kept count.
            assert_eq!(total(first, grace).await, count, "{why}");
            assert_eq!(total(first, grace).await, count, "{why}, counted again");
        }
    };
    expect(0, "nothing yet").await;

    let own = second.create_document(&grace, "Own").await;
    expect(1, "her own document").await;
    let direct = second.create_document(&ada, "Shared with Grace").await;
    second.share(&ada, &direct, json!({ "email": grace.email, "role": "viewer" })).await;
    expect(2, "shared with her").await;
    second.share(&ada, &direct, json!({ "email": grace.email, "role": "editor" })).await;
    expect(2, "a role changed").await;

    let group = second.create_group(&ada, "Team", &[&grace]).await;
    let team = second.create_document(&ada, "For the team").await;
    second.share(&ada, &team, json!({ "group_id": group, "role": "viewer" })).await;
    expect(3, "shared with her group").await;
    second.share(&ada, &direct, json!({ "group_id": group, "role": "viewer" })).await;
    expect(3, "one document reached twice counts once").await;

    let removed =
        second.call(Method::DELETE, &format!("/api/groups/{group}/members/{}", grace.id), Some(&ada.token), None).await;
    assert_eq!(removed.status(), 204);
    expect(2, "she left the group").await;
    let revoked = second
        .call(
            Method::DELETE,
            &format!("/api/documents/{direct}/collaborators/users/{}", grace.id),
            Some(&ada.token),
            None,
        )
        .await;
    assert_eq!(revoked.status(), 204);
    expect(1, "the share was revoked").await;
    let deleted = second.call(Method::DELETE, &format!("/api/documents/{own}"), Some(&grace.token), None).await;
    assert_eq!(deleted.status(), 204);
    expect(0, "her document was deleted").await;
}

/// A search finds, among everything a person can see (their own, shared with
/// them, shared with their group), the documents whose title contains the
/// text in either case; it pages and counts only those, takes `%` and `_` as
/// themselves, and follows an edit and a revocation at once.
#[tokio::test]
async fn the_list_searches_titles() {
    let app = spawn_app().await;
    let (ada, grace, bob) = (app.person("Ada").await, app.person("Grace").await, app.person("Bob").await);
    app.create_document(&ada, "Quarterly PLAN").await;
    let shopping = app.create_document(&ada, "Shopping list").await;
    app.create_document(&ada, "plan_b at 100%").await;
    let direct = app.create_document(&grace, "Grace's plan").await;
    app.share(&grace, &direct, json!({ "email": ada.email, "role": "viewer" })).await;
    let team = app.create_group(&bob, "Team", &[&ada]).await;
    let through_group = app.create_document(&bob, "Team planning").await;
    app.share(&bob, &through_group, json!({ "group_id": team, "role": "editor" })).await;
    app.create_document(&bob, "Bob's own plan").await;

    let search = |query: &[(&str, &str)]| {
        let url = reqwest::Url::parse_with_params("http://x/api/documents", query).unwrap();
        app.call(Method::GET, &format!("/api/documents?{}", url.query().unwrap()), Some(&ada.token), None)
    };
    let found = |page: &Value| -> (Vec<String>, u64) {
        let titles = page["items"].as_array().unwrap().iter().map(|d| d["title"].as_str().unwrap().into()).collect();
        (titles, page["total"].as_u64().unwrap())
    };
    let plans = ["Team planning", "Grace's plan", "plan_b at 100%", "Quarterly PLAN"];
    let all: Value = search(&[("q", "plan")]).await.json().await.unwrap();
    assert_eq!(found(&all), (plans.map(String::from).to_vec(), 4), "newest first; not Bob's own");
    let upper: Value = search(&[("q", "  PLAN ")]).await.json().await.unwrap();
    assert_eq!(found(&upper), found(&all), "either case, trimmed");
    let second: Value = search(&[("q", "plan"), ("per_page", "2"), ("page", "2")]).await.json().await.unwrap();
    assert_eq!(found(&second), (plans[2..].iter().map(|t| t.to_string()).collect(), 4));
    for literal in ["%", "_", "n_b", "100%"] {
        let page: Value = search(&[("q", literal)]).await.json().await.unwrap();
        assert_eq!(found(&page), (vec!["plan_b at 100%".to_owned()], 1), "{literal:?} is itself");
    }
    let nothing: Value = search(&[("q", "budget")]).await.json().await.unwrap();
    assert_eq!(found(&nothing), (vec![], 0));
    let blank: Value = search(&[("q", "   ")]).await.json().await.unwrap();
    assert_eq!(found(&blank).1, 5, "a blank search is the whole list");

    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/documents/{shopping}"),
            Some(&ada.token),
            Some(json!({ "title": "Plan the shopping" })),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let revoke = format!("/api/documents/{direct}/collaborators/users/{}", ada.id);
    assert_eq!(app.call(Method::DELETE, &revoke, Some(&grace.token), None).await.status(), 204);
    let after: Value = search(&[("q", "plan")]).await.json().await.unwrap();
    let expected = ["Plan the shopping", "Team planning", "plan_b at 100%", "Quarterly PLAN"];
    assert_eq!(found(&after), (expected.map(String::from).to_vec(), 4), "the edit in, the revoked share out");

    // Every letter folds, and accents, on SQLite as on PostgreSQL.
    app.create_document(&ada, "Über den Ärger").await;
    for query in ["ÄRGER", "über", "ÜBER DEN ärger", "uber den arger", "Über den Ärger"] {
        let page: Value = search(&[("q", query)]).await.json().await.unwrap();
        assert_eq!(found(&page), (vec!["Über den Ärger".to_owned()], 1), "{query:?}");
    }
    // Composed or not, a sharp s or two, a ligature: as people type them.
    app.create_document(&ada, "Re\u{301}sume\u{301} der Straße, ﬁnal").await;
    for query in ["résumé", "RESUME", "strasse", "STRAẞE", "final"] {
        let page: Value = search(&[("q", query)]).await.json().await.unwrap();
        assert_eq!(found(&page).1, 1, "{query:?}: {page}");
    }

    let long = "x".repeat(101);
    let refused = problem(search(&[("q", long.as_str())]).await, 400, "validation_failed").await;
    assert_eq!(refused["messages"][0]["field"], "q");
    problem(search(&[("q", "plan\tb")]).await, 400, "validation_failed").await;
}

/// `owner=me` keeps a person's own documents, even one they also reach through
/// a group; `owner=others` keeps what others shared with them, directly or
/// through a group. Each pages and counts only what it keeps, and goes with a
/// title search.
#[tokio::test]
async fn the_list_keeps_ones_own_or_others_documents() {
    let app = spawn_app().await;
    let (ada, grace, bob) = (app.person("Ada").await, app.person("Grace").await, app.person("Bob").await);
    let team = app.create_group(&bob, "Team", &[&ada]).await;
    let notes = app.create_document(&ada, "Ada's notes").await;
    app.share(&ada, &notes, json!({ "group_id": team, "role": "viewer" })).await;
    app.create_document(&ada, "Ada's plan").await;
    let direct = app.create_document(&grace, "Grace's plan").await;
    app.share(&grace, &direct, json!({ "email": ada.email, "role": "editor" })).await;
    let through_group = app.create_document(&bob, "Team notes").await;
    app.share(&bob, &through_group, json!({ "group_id": team, "role": "viewer" })).await;

    let list = |query: &str| app.call(Method::GET, &format!("/api/documents?{query}"), Some(&ada.token), None);
    let found = |page: Value| -> (Vec<String>, u64) {
        let titles = page["items"].as_array().unwrap().iter().map(|d| d["title"].as_str().unwrap().into()).collect();
        (titles, page["total"].as_u64().unwrap())
    };
    let strings = |titles: &[&str]| titles.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    assert_eq!(found(list("owner=me").await.json().await.unwrap()), (strings(&["Ada's plan", "Ada's notes"]), 2));
    assert_eq!(found(list("owner=others").await.json().await.unwrap()), (strings(&["Team notes", "Grace's plan"]), 2));
    assert_eq!(found(list("owner=me&per_page=1&page=2").await.json().await.unwrap()), (strings(&["Ada's notes"]), 2));
    assert_eq!(found(list("owner=others&q=NOTES").await.json().await.unwrap()), (strings(&["Team notes"]), 1));
    assert_eq!(found(list("").await.json().await.unwrap()).1, 4, "without owner, everything");
    // Bob sees Ada's notes through his group, as someone else's.
    let bobs = app.call(Method::GET, "/api/documents?owner=others", Some(&bob.token), None).await;
    assert_eq!(found(bobs.json().await.unwrap()), (strings(&["Ada's notes"]), 1));

    problem(list("owner=everyone").await, 400, "malformed_request").await;
}
