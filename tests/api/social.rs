//! Social sign-in against the real Ory Hydra and Ory Kratos: the whole redirect
//! dance, driven by hand with a cookie-keeping HTTP client (`helpers::social`),
//! from the start through the provider's login and consent pages, the backend's
//! relay of the callback, and Kratos, back to the return URL; then the exchange.

use std::time::Duration;

use reqwest::{Method, Url};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, fresh_window, message_ids, problem,
    social::{
        AtProvider, Browser, FLOW_LIFESPAN, LINK_FAILURES, OFFLINE_PROVIDER, PROVIDER, SocialStack, UNFINISHED_AFTER,
        complete, complete_as, param, start,
    },
    spawn_app_on, totp_code, unique_email,
};

const KRATOS_ACCOUNT_EXISTS_LINK: u64 = 1010016;
const LINKED_SUBJECT: &str = "Local provider was linked to your ory-spa account";
const REMOVED_SUBJECT: &str = "Local provider was removed from your ory-spa account";
const UNFINISHED_BY_PROVIDER: &str =
    "Someone signed in to your ory-spa account with Local provider, but did not finish";
const UNFINISHED_BY_PASSWORD: &str = "Your ory-spa password was entered, but the sign-in was not finished";

/// The kinds of the account's security activity, newest first.
async fn activity_kinds(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app.call(Method::GET, "/api/account/activity", Some(token), None).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["events"].as_array().unwrap().clone()
}

/// Start, sign in at the provider as `email`, come back: the return URL.
async fn dance(stack: &SocialStack, app: &TestApp, intent: &str, email: &str, name: &str) -> (Value, Url) {
    let started = start(app, PROVIDER, intent).await;
    let back = Browser::new(stack)
        .sign_in_at_provider(started["redirect_to"].as_str().unwrap(), AtProvider::SignIn { email, name })
        .await;
    (started, back)
}

#[tokio::test]
async fn a_new_person_signs_up_with_the_provider_and_comes_back_to_the_same_account() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();

    // "Log in with …" for someone Kratos does not know yet: Kratos registers them.
    let started = start(&app, PROVIDER, "login").await;
    let mut keys: Vec<&str> = started.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["expires_at", "redirect_to", "state", "verifier"], "Kratos' exchange code stays on the server");
    let redirect_to = started["redirect_to"].as_str().unwrap();
    assert!(redirect_to.contains("/oauth2/auth?") && redirect_to.contains("code_challenge="), "{redirect_to}");

    let browser = Browser::new(stack);
    let back = browser.sign_in_at_provider(redirect_to, AtProvider::SignIn { email: &email, name: "Ada Social" }).await;
    assert!(back.as_str().starts_with(&stack.return_url()), "{back}");
    assert_eq!(param(&back, "state").as_deref(), started["state"].as_str(), "{back}");
    let code = param(&back, "code").expect("Kratos' half of the exchange in the return URL");
    // The browser came back through the backend's relay, never to Kratos itself.
    let visited = browser.visited.lock().unwrap().clone();
    let relay = format!("{}/self-service/methods/oidc/callback/{PROVIDER}?", stack.address);
    assert!(visited.iter().any(|url| url.starts_with(&relay)), "{visited:#?}");
    assert!(!visited.iter().any(|url| url.starts_with(&stack.ory.kratos_public_url())), "{visited:#?}");

    let response = complete(&app, &started, &back).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let body: Value = response.json().await.unwrap();
    let token = body["session_token"].as_str().unwrap().to_owned();
    let identity = &body["session"]["identity"];
    assert_eq!(identity["email"], email.as_str());
    assert_eq!(identity["name"], "Ada Social", "the claims mapper fills the name");
    assert_eq!(identity["email_verified"], true, "the provider vouched for the address");
    assert_eq!(body["session"]["assurance_level"], "aal1");
    // A session like a password login's: whoami, and Keto's grant for the home page.
    assert_eq!(app.whoami(&token).await.status(), 200);
    assert_eq!(app.home(&token).await.status(), 200);

    // The provider is this account's only way in: listed, and not removable.
    let linked = app.call(Method::GET, "/api/account/providers", Some(&token), None).await;
    assert_eq!(linked.status(), 200);
    let linked: Value = linked.json().await.unwrap();
    assert_eq!(linked, json!({ "providers": [{ "id": PROVIDER, "label": "Local provider" }], "password": false }));
    let remove = app.call(Method::DELETE, &format!("/api/account/providers/{PROVIDER}"), Some(&token), None).await;
    let refused = problem(remove, 409, "conflict").await;
    assert!(refused["detail"].as_str().unwrap().contains("Set a password first"), "{refused}");

    // The same return once more: Kratos would exchange the pair again, we do not.
    problem(complete(&app, &started, &back).await, 400, "state_mismatch").await;

    // "Register with …" for someone Kratos knows: Kratos signs them in.
    let (again, back) = dance(stack, &app, "registration", &email, "Ada Social").await;
    let response = complete(&app, &again, &back).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let second: Value = response.json().await.unwrap();
    assert_eq!(second["session"]["identity"]["id"], identity["id"]);
    assert_ne!(second["session_token"], body["session_token"], "a new session");

    let logs = crate::helpers::captured_logs();
    assert!(!logs.contains(&token), "a session token reached the logs");
    assert!(!logs.contains(&code), "Kratos' return code reached the logs");
}

#[tokio::test]
async fn an_account_with_the_same_address_gets_the_provider_after_its_password() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    let registered = app.register(&email, "Bob", PASSWORD).await;
    assert_eq!(registered.status(), 201);
    let bob: Value = registered.json().await.unwrap();

    let (started, back) = dance(stack, &app, "login", &email, "Bob at the provider").await;
    assert_eq!(param(&back, "code"), None, "no session for an address that has an account");
    assert!(param(&back, "flow").is_some(), "Kratos names the login flow that links: {back}");
    let exists = problem(complete(&app, &started, &back).await, 409, "account_exists").await;
    assert_eq!(message_ids(&exists, None), [KRATOS_ACCOUNT_EXISTS_LINK]);
    assert!(exists["messages"][0]["text"].as_str().unwrap().contains(&email));

    let link = |password: &str| {
        app.post("/api/auth/social/link")
            .json(&json!({ "state": started["state"], "verifier": started["verifier"], "password": password }))
            .send()
    };
    problem(link("not the password at all").await.unwrap(), 400, "invalid_credentials").await;
    let linked = link(PASSWORD).await.unwrap();
    assert_eq!(linked.status(), 200, "{}", linked.text().await.unwrap());
    let linked: Value = linked.json().await.unwrap();
    assert_eq!(linked["session"]["identity"]["id"], bob["session"]["identity"]["id"]);
    problem(link(PASSWORD).await.unwrap(), 400, "state_mismatch").await;

    // From now on the provider alone signs Bob in, to his account.
    let (started, back) = dance(stack, &app, "login", &email, "Bob at the provider").await;
    let response = complete(&app, &started, &back).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["session"]["identity"]["id"], bob["session"]["identity"]["id"]);
    assert_eq!(body["session"]["identity"]["name"], "Bob", "linking keeps the account's own profile");

    // Bob is told of the link (his device is known: the sign-ins are no news).
    let notice = app.mailbox.wait_for_notice(&email, 1).await;
    assert_eq!(notice.subject, LINKED_SUBJECT);
    assert!(notice.text.contains("with your password"), "{}", notice.text);

    // He sees the provider in his account, and removes it from the session his
    // registration made (with the password). The two sessions the provider
    // signed in are signed out with it; his own stays.
    let (again, back) = dance(stack, &app, "login", &email, "Bob at the provider").await;
    let other: Value = complete(&app, &again, &back).await.json().await.unwrap();
    let by_provider = [body["session_token"].as_str().unwrap(), other["session_token"].as_str().unwrap()];
    let token = bob["session_token"].as_str().unwrap();
    let providers = |token: &str| {
        let request = app.call(Method::GET, "/api/account/providers", Some(token), None);
        async move { request.await.json::<Value>().await.unwrap() }
    };
    assert_eq!(
        providers(token).await,
        json!({ "providers": [{ "id": PROVIDER, "label": "Local provider" }], "password": true })
    );
    let listed = app.sessions(token).await;
    let named: Vec<&Value> = listed.iter().filter(|session| session["provider"] == PROVIDER).collect();
    assert_eq!(named.len(), 2, "the provider's sessions say so: {listed:?}");
    assert!(named.iter().all(|session| session["methods"] == json!(["oidc"])), "{listed:?}");
    let remove =
        |provider: &str| app.call(Method::DELETE, &format!("/api/account/providers/{provider}"), Some(token), None);
    problem(remove(OFFLINE_PROVIDER).await, 404, "not_found").await;
    problem(remove("no such thing").await, 404, "not_found").await;
    let removed = remove(PROVIDER).await;
    assert_eq!(removed.status(), 200);
    assert_eq!(removed.json::<Value>().await.unwrap(), json!({ "signed_out_sessions": 2 }));
    for signed_out in by_provider {
        problem(app.whoami(signed_out).await, 401, "unauthenticated").await;
    }
    assert_eq!(app.whoami(token).await.status(), 200);
    assert_eq!(app.whoami(linked["session_token"].as_str().unwrap()).await.status(), 200, "the password's");
    assert_eq!(providers(token).await, json!({ "providers": [], "password": true }));
    problem(remove(PROVIDER).await, 404, "not_found").await;
    let notice = app.mailbox.wait_for_notice(&email, 2).await;
    assert_eq!(notice.subject, REMOVED_SUBJECT);
    let events = activity_kinds(&app, token).await;
    assert_eq!(events[0]["kind"], "provider_removed", "{events:?}");
    assert_eq!(events[0]["provider"], PROVIDER, "{events:?}");
    let linked = events.iter().find(|e| e["kind"] == "provider_linked").expect("the link is in the activity");
    assert_eq!(linked["provider"], PROVIDER);
    let password = events.iter().find(|e| e["kind"] == "registered").unwrap();
    assert!(password.get("provider").is_none(), "no provider where none was used: {password}");

    // The provider no longer signs in to Bob's account: it has to be linked again.
    let (started, back) = dance(stack, &app, "login", &email, "Bob at the provider").await;
    problem(complete(&app, &started, &back).await, 409, "account_exists").await;
}

#[tokio::test]
async fn guessing_the_password_at_link_is_limited_like_a_login() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    assert_eq!(app.register(&email, "Vic", PASSWORD).await.status(), 201);
    let (started, back) = dance(stack, &app, "login", &email, "Not Vic").await;
    problem(complete(&app, &started, &back).await, 409, "account_exists").await;

    let link = |password: &str| {
        app.post("/api/auth/social/link")
            .json(&json!({ "state": started["state"], "verifier": started["verifier"], "password": password }))
            .send()
    };
    for _ in 0..LINK_FAILURES {
        problem(link("a guess at the password").await.unwrap(), 400, "invalid_credentials").await;
    }
    // Now even the right password waits, here and at the login form alike.
    let limited = link(PASSWORD).await.unwrap();
    assert!(limited.headers().contains_key("retry-after"));
    problem(limited, 429, "rate_limited").await;
    problem(app.login(&email, PASSWORD).await, 429, "rate_limited").await;
}

#[tokio::test]
async fn with_a_second_factor_the_provider_signs_in_only_halfway() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    let (started, back) = dance(stack, &app, "registration", &email, "Cy").await;
    let first: Value = complete(&app, &started, &back).await.json().await.unwrap();
    let secret = app.enrol_totp(first["session_token"].as_str().unwrap()).await;

    let (started, back) = dance(stack, &app, "login", &email, "Cy").await;
    let response = complete(&app, &started, &back).await;
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    let pending: Value = response.json().await.unwrap();
    assert!(pending.get("session").is_none(), "nothing about the identity before the second factor");
    let half = pending["session_token"].as_str().unwrap();
    problem(app.whoami(half).await, 403, "second_factor_required").await;

    let flow = pending["second_factor"]["flow_id"].as_str().unwrap();
    let done = app.second_factor(half, "totp", &totp_code(&secret), Some(flow)).await;
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["session"]["assurance_level"], "aal2");
    assert_eq!(done["session"]["identity"]["id"], first["session"]["identity"]["id"]);
    let done = done["session_token"].as_str().unwrap();

    // Someone who has Cy's account at the provider, but not the second factor:
    // in the activity at once, by how they got there, and told once the wait is over.
    let (started, back) = dance(stack, &app, "login", &email, "Cy").await;
    assert_eq!(complete(&app, &started, &back).await.status(), 202);
    let events = activity_kinds(&app, done).await;
    let unfinished: Vec<&Value> = events.iter().filter(|e| e["kind"] == "unfinished_sign_in").collect();
    assert_eq!(unfinished.len(), 1, "the finished sign-in left the activity's unfinished ones: {events:?}");
    assert_eq!(unfinished[0]["methods"], json!(["oidc"]));
    assert_eq!(unfinished[0]["provider"], PROVIDER, "which provider: {events:?}");
    let finished = events.iter().find(|e| e["kind"] == "signed_in").unwrap();
    assert_eq!(finished["methods"], json!(["oidc", "totp"]));
    assert_eq!(finished["provider"], PROVIDER);
    assert_eq!(app.mailbox.wait_for_notice(&email, 1).await.subject, APP_ADDED);
    let before = std::time::Instant::now();
    let notice = app.mailbox.wait_for_notice(&email, 2).await;
    assert_eq!(notice.subject, UNFINISHED_BY_PROVIDER);
    assert!(notice.text.contains("with Local provider and then did not give the second factor"), "{}", notice.text);
    assert!(notice.text.contains("remove Local provider from your account in Settings"), "{}", notice.text);
    assert!(before.elapsed() < UNFINISHED_AFTER + Duration::from_secs(15));
}

/// Someone who controls the person's account at the provider, and not the
/// second factor, can repeat the sign-in at will. From a device the account has
/// not signed in from, each counts against the account's limit of half sign-ins
/// (ten per quarter hour, as for the password); past it the answer is `429`,
/// and the session Kratos made for it is ended.
#[tokio::test]
async fn a_providers_half_sign_ins_from_new_devices_are_limited_like_the_passwords() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    let (started, back) = dance(stack, &app, "registration", &email, "Di").await;
    let first: Value = complete(&app, &started, &back).await.json().await.unwrap();
    let token = first["session_token"].as_str().unwrap();
    app.enrol_totp(token).await;

    // The shared stack counts in the default fixed windows of 15 minutes.
    fresh_window(900, Duration::from_secs(90)).await;
    for _ in 0..10 {
        let (started, back) = dance(stack, &app, "login", &email, "Di").await;
        let half = complete_as(&app, &started, &back, Some("Stranger/1.0")).await;
        assert_eq!(half.status(), 202, "{}", half.text().await.unwrap());
    }
    let (started, back) = dance(stack, &app, "login", &email, "Di").await;
    let refused = complete_as(&app, &started, &back, Some("Stranger/1.0")).await;
    assert!(refused.headers().contains_key("retry-after"));
    problem(refused, 429, "rate_limited").await;

    let sessions: Vec<Value> =
        app.call(Method::GET, "/api/account/sessions", Some(token), None).await.json().await.unwrap();
    let half = sessions.iter().filter(|s| s["second_factor_missing"] == true).count();
    assert_eq!((sessions.len(), half), (11, 10), "the refused one's session is gone");
}

/// An account made with a provider has no password, so the provider is its only
/// way in; once it sets one, the provider can go, and the password signs in.
#[tokio::test]
async fn a_provider_only_account_sets_a_password_and_then_can_remove_the_provider() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    let (started, back) = dance(stack, &app, "registration", &email, "Eve").await;
    let first: Value = complete(&app, &started, &back).await.json().await.unwrap();
    let token = first["session_token"].as_str().unwrap();
    let remove = || app.call(Method::DELETE, &format!("/api/account/providers/{PROVIDER}"), Some(token), None);
    problem(remove().await, 409, "conflict").await;
    problem(app.login(&email, PASSWORD).await, 400, "invalid_credentials").await;
    let export = app.call(Method::GET, "/api/account/export", Some(token), None).await;
    assert_eq!(export.status(), 200);
    let export: Value = export.json().await.unwrap();
    assert_eq!(
        export["sign_in_providers"],
        json!({ "providers": [{ "id": PROVIDER, "label": "Local provider" }], "password": false }),
        "in the export too"
    );

    let set = app.change_password(token, PASSWORD, Some(false)).await;
    assert_eq!(set.status(), 200, "{}", set.text().await.unwrap());
    let removed = remove().await;
    assert_eq!(removed.status(), 200);
    assert_eq!(removed.json::<Value>().await.unwrap(), json!({ "signed_out_sessions": 0 }), "only this one");
    let linked = app.call(Method::GET, "/api/account/providers", Some(token), None).await;
    assert_eq!(linked.json::<Value>().await.unwrap(), json!({ "providers": [], "password": true }));
    assert_eq!(app.login(&email, PASSWORD).await.status(), 200, "the password is the way in now");
    // Told of both (sent a moment apart, so in either order).
    let mut subjects =
        [app.mailbox.wait_for_notice(&email, 1).await.subject, app.mailbox.wait_for_notice(&email, 2).await.subject];
    subjects.sort();
    assert_eq!(subjects, [REMOVED_SUBJECT, "Your ory-spa password was changed"]);
}

const APP_ADDED: &str = "Two-factor authentication was turned on for your ory-spa account";

/// The right password links the provider even when the second factor does not
/// follow: the owner hears of the link at once, and of the half sign-in later.
#[tokio::test]
async fn linking_without_the_second_factor_is_told_twice() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    let registered: Value = app.register(&email, "Dee", PASSWORD).await.json().await.unwrap();
    app.enrol_totp(registered["session_token"].as_str().unwrap()).await;
    assert_eq!(app.mailbox.wait_for_notice(&email, 1).await.subject, APP_ADDED);

    let (started, back) = dance(stack, &app, "login", &email, "Not Dee").await;
    problem(complete(&app, &started, &back).await, 409, "account_exists").await;
    let linked = app
        .post("/api/auth/social/link")
        .json(&json!({ "state": started["state"], "verifier": started["verifier"], "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(linked.status(), 202, "{}", linked.text().await.unwrap());
    assert_eq!(app.mailbox.wait_for_notice(&email, 2).await.subject, LINKED_SUBJECT);
    assert_eq!(app.mailbox.wait_for_notice(&email, 3).await.subject, UNFINISHED_BY_PASSWORD);
}

/// A link is a sign-in with the password: stopped at the second factor, from a
/// device the account has not signed in from, it counts with the login's half
/// sign-ins, and past their limit its session is ended. The provider, linked by
/// the right password, stays linked, and the owner hears of it.
#[tokio::test]
async fn a_link_stopped_at_the_second_factor_counts_with_the_logins_half_sign_ins() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    let registered: Value = app.register(&email, "Fay", PASSWORD).await.json().await.unwrap();
    let token = registered["session_token"].as_str().unwrap();
    app.enrol_totp(token).await;

    // The shared stack counts in the default fixed windows of 15 minutes.
    fresh_window(900, Duration::from_secs(90)).await;
    for _ in 0..10 {
        let half = app
            .post("/api/auth/login")
            .header("user-agent", "Stranger/1.0")
            .json(&json!({ "identifier": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(half.status(), 202, "{}", half.text().await.unwrap());
    }
    let (started, back) = dance(stack, &app, "login", &email, "Not Fay").await;
    problem(complete(&app, &started, &back).await, 409, "account_exists").await;
    let refused = app
        .post("/api/auth/social/link")
        .header("user-agent", "Stranger/1.0")
        .json(&json!({ "state": started["state"], "verifier": started["verifier"], "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert!(refused.headers().contains_key("retry-after"));
    problem(refused, 429, "rate_limited").await;

    let sessions: Vec<Value> =
        app.call(Method::GET, "/api/account/sessions", Some(token), None).await.json().await.unwrap();
    let half = sessions.iter().filter(|s| s["second_factor_missing"] == true).count();
    assert_eq!((sessions.len(), half), (11, 10), "the refused link's session is gone");
    let linked: Value = app.call(Method::GET, "/api/account/providers", Some(token), None).await.json().await.unwrap();
    assert_eq!(linked["providers"], json!([{ "id": PROVIDER, "label": "Local provider" }]), "linked all the same");
    let events = activity_kinds(&app, token).await;
    assert!(events.iter().any(|e| e["kind"] == "provider_linked"), "and the owner is told: {events:?}");
}

#[tokio::test]
async fn saying_no_at_the_provider_is_a_cancellation() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let email = unique_email();
    for how in [AtProvider::CancelLogin, AtProvider::DenyConsent { email: &email }] {
        let started = start(&app, PROVIDER, "login").await;
        let back = Browser::new(stack).sign_in_at_provider(started["redirect_to"].as_str().unwrap(), how).await;
        assert!(back.as_str().starts_with(&stack.return_url()), "{how:?}: {back}");
        assert_eq!(param(&back, "code"), None, "{how:?}");
        let cancelled = problem(complete(&app, &started, &back).await, 403, "social_sign_in_cancelled").await;
        assert!(cancelled["detail"].as_str().unwrap().contains("cancelled"));
        // The sign-in is over.
        problem(complete(&app, &started, &back).await, 400, "state_mismatch").await;
    }
}

#[tokio::test]
async fn a_return_this_client_did_not_start_is_a_state_mismatch() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    // Mallory signs in at the provider, stops at the return URL, and gets it
    // opened in Alice's tab, where Alice started a sign-in of her own.
    let alice = start(&app, PROVIDER, "login").await;
    let (mallory, mallorys_return) = dance(stack, &app, "login", &unique_email(), "Mallory").await;
    let code = param(&mallorys_return, "code").unwrap();

    // Mallory's state with Alice's verifier, as her tab would send it.
    let response = app
        .post("/api/auth/social/complete")
        .json(&json!({ "state": mallory["state"], "verifier": alice["verifier"], "code": code }))
        .send()
        .await
        .unwrap();
    problem(response, 400, "state_mismatch").await;
    // Alice's own state with Mallory's code: Kratos has no session for that pair.
    let response = app
        .post("/api/auth/social/complete")
        .json(&json!({ "state": alice["state"], "verifier": alice["verifier"], "code": code }))
        .send()
        .await
        .unwrap();
    problem(response, 400, "state_mismatch").await;
    // Neither signed anyone in, and Mallory's own sign-in is still hers to finish.
    assert_eq!(complete(&app, &mallory, &mallorys_return).await.status(), 200);

    let malformed = app
        .post("/api/auth/social/complete")
        .json(&json!({ "state": "not-a-state", "verifier": "x", "code": "abc" }))
        .send()
        .await
        .unwrap();
    problem(malformed, 400, "state_mismatch").await;

    // A forged provider redirect: Kratos cannot tie its state to a flow, and the
    // relay sends the browser to the app with the problem instead of Kratos' error page.
    let forged = app
        .get(&format!("/self-service/methods/oidc/callback/{PROVIDER}?code=forged&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
    let location = forged.headers()["location"].to_str().unwrap();
    assert_eq!(location, format!("{}?error=state_mismatch", stack.return_url()));
}

#[tokio::test]
async fn a_sign_in_that_takes_too_long_expires() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    // One person comes back in time but collects the session too late; another
    // stays at the provider too long. Both wait out the same flow lifespan.
    let (late, late_return) = dance(stack, &app, "login", &unique_email(), "Late").await;
    assert!(param(&late_return, "code").is_some());
    let slow = start(&app, PROVIDER, "login").await;

    tokio::time::sleep(FLOW_LIFESPAN + Duration::from_secs(1)).await;

    problem(complete(&app, &late, &late_return).await, 410, "exchange_code_expired").await;

    // Kratos answers the provider's redirect for an expired flow with an error, not
    // a redirect, and the exchange code died with the flow (ory/kratos#4610): the
    // relay sends the browser back to the app with the problem.
    let email = unique_email();
    let back = Browser::new(stack)
        .sign_in_at_provider(slow["redirect_to"].as_str().unwrap(), AtProvider::SignIn { email: &email, name: "Slow" })
        .await;
    assert_eq!(back.as_str(), format!("{}?error=exchange_code_expired", stack.return_url()));
    let response = app
        .post("/api/auth/social/complete")
        .json(&json!({ "state": slow["state"], "verifier": slow["verifier"] }))
        .send()
        .await
        .unwrap();
    problem(response, 410, "exchange_code_expired").await;
}

#[tokio::test]
async fn providers_come_from_kratos_and_return_urls_must_be_on_the_list() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    let providers: Value = app.get("/api/auth/social/providers").send().await.unwrap().json().await.unwrap();
    assert_eq!(
        providers,
        json!([{"id": PROVIDER, "label": "Local provider"}, {"id": OFFLINE_PROVIDER, "label": "Offline provider"}])
    );

    let start_with =
        |provider: &str, body: Value| app.post(&format!("/api/auth/social/providers/{provider}")).json(&body).send();
    problem(start_with("nope", json!({})).await.unwrap(), 404, "unknown_provider").await;
    for refused in ["https://evil.example/auth/social/return", &format!("{}/elsewhere", stack.address)] {
        let response = start_with(PROVIDER, json!({ "return_to": refused })).await.unwrap();
        problem(response, 400, "return_url_not_allowed").await;
    }
    let listed =
        start_with(PROVIDER, json!({ "return_to": stack.return_url(), "intent": "registration" })).await.unwrap();
    assert_eq!(listed.status(), 201);
}

#[tokio::test]
async fn an_unreachable_provider_or_kratos_fails_closed() {
    let stack = SocialStack::shared().await;
    let app = stack.app();
    // Kratos cannot reach the provider's discovery document.
    let response =
        app.post(&format!("/api/auth/social/providers/{OFFLINE_PROVIDER}")).json(&json!({})).send().await.unwrap();
    assert_eq!(response.headers()["retry-after"], "5");
    let unavailable = problem(response, 503, "service_unavailable").await;
    assert!(unavailable["detail"].as_str().unwrap().contains("sign-in provider"), "{unavailable}");

    // A backend whose Kratos does not answer: the start is a 503, and a browser
    // coming back from the provider lands on the app with the same problem.
    let down = spawn_app_on(
        &stack.ory,
        &[("APP_KRATOS_PUBLIC_URL", "http://127.0.0.1:1/"), ("APP_SOCIAL_RETURN_URLS", "http://127.0.0.1:9/back")],
    )
    .await;
    let response = down.post(&format!("/api/auth/social/providers/{PROVIDER}")).json(&json!({})).send().await.unwrap();
    problem(response, 503, "service_unavailable").await;
    let relayed =
        down.get(&format!("/self-service/methods/oidc/callback/{PROVIDER}?code=x&state=y")).send().await.unwrap();
    assert_eq!(relayed.status(), 303);
    assert_eq!(relayed.headers()["location"], "http://127.0.0.1:9/back?error=service_unavailable");
}
