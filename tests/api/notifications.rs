//! Security notices by mail: a change to an account someone else may have made
//! is told to the account's address (the old one, for a new address), through
//! the stack's real Mailpit; a notice the SMTP server did not take is sent later.

use ory_spa::notify::Notifier;
use reqwest::Method;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;

use crate::helpers::{TestApp, ory::OryStack, spawn_app, spawn_app_on, unique_email};

const NEW_PASSWORD: &str = "a brand new evening stroll 77";

/// The sender the tests' apps use (`spawn_app`), for notifiers made here.
fn notices_from() -> lettre::message::Mailbox {
    format!("ory-spa security <{}>", crate::helpers::mailbox::NOTICES_FROM).parse().unwrap()
}

async fn outbox_rows(db: &DatabaseConnection) -> i64 {
    let statement = Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) FROM mail_outbox");
    db.query_one_raw(statement).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn a_password_change_is_told_to_the_address_with_the_device_it_came_from() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;

    let changed = app
        .client
        .put(format!("{}/api/account/password", app.address))
        .bearer_auth(&ada.token)
        .header("user-agent", "Laptop/2.0")
        .json(&json!({ "password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);

    let notice = app.mailbox.wait_for_notice(&ada.email, 1).await;
    assert_eq!(notice.subject, "Your ory-spa password was changed");
    assert!(notice.text.starts_with("Hello Ada,"), "{}", notice.text);
    assert!(notice.text.contains("from Laptop/2.0 at 127.0.0.1"), "{}", notice.text);
    assert!(notice.text.contains("Forgot your password?"), "{}", notice.text);
    assert!(!notice.text.contains("code"), "a notice carries no code: {}", notice.text);
    assert!(!notice.text.contains(NEW_PASSWORD) && !notice.text.contains(&ada.token), "{}", notice.text);
    assert_eq!(notice.from_address, crate::helpers::mailbox::NOTICES_FROM);
}

#[tokio::test]
async fn a_new_address_is_told_to_the_old_one_and_only_the_new_one_gets_a_code() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let new = unique_email();

    assert_eq!(app.change_email(&ada.token, &new).await.status(), 200);

    let notice = app.mailbox.wait_for_notice(&ada.email, 1).await;
    assert_eq!(notice.subject, "Your ory-spa email address was changed");
    assert!(notice.text.contains(&format!("from {} to {new}", ada.email)), "{}", notice.text);
    let code = app.mailbox.wait_for_mail(&new, 1).await;
    assert!(code.code().is_some(), "the new address gets Kratos' verification code");
    assert_eq!(app.mailbox.count(&new).await, 1, "and no notice");
}

#[tokio::test]
async fn adding_an_authenticator_and_removing_a_second_factor_are_told_each_time() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;
    let notice = app.mailbox.wait_for_notice(&ada.email, 1).await;
    assert_eq!(notice.subject, "Two-factor authentication was turned on for your ory-spa account");
    app.enrol_recovery_codes(&ada.token).await;
    let notice = app.mailbox.wait_for_notice(&ada.email, 2).await;
    assert_eq!(notice.subject, "New recovery codes were made for your ory-spa account");
    assert!(notice.text.contains("any older ones no longer work"), "{}", notice.text);
    let codes = app.enrol_recovery_codes(&ada.token).await;
    let notice = app.mailbox.wait_for_notice(&ada.email, 3).await;
    assert_eq!(notice.subject, "New recovery codes were made for your ory-spa account", "each new set is told");
    assert!(codes.iter().all(|code| !notice.text.contains(code.as_str())), "no code in the notice: {}", notice.text);

    let remove = |what: &'static str| {
        app.call(Method::DELETE, &format!("/api/account/second-factor/{what}"), Some(&ada.token), None)
    };
    assert_eq!(remove("totp").await.status(), 204);
    let notice = app.mailbox.wait_for_notice(&ada.email, 4).await;
    assert_eq!(notice.subject, "Two-factor authentication was turned off on your ory-spa account");
    assert_eq!(remove("recovery-codes").await.status(), 204);
    let notice = app.mailbox.wait_for_notice(&ada.email, 5).await;
    assert_eq!(notice.subject, "The recovery codes of your ory-spa account were removed");
    let kinds: Vec<String> =
        activity(&app, &ada.token).await.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(
        kinds,
        [
            "recovery_codes_removed",
            "authenticator_removed",
            "recovery_codes_created",
            "recovery_codes_created",
            "authenticator_added",
            "registered"
        ]
    );
}

#[tokio::test]
async fn a_deleted_account_is_told_to_its_address() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    assert_eq!(app.call(Method::DELETE, "/api/account", Some(&ada.token), None).await.status(), 204);
    let notice = app.mailbox.wait_for_notice(&ada.email, 1).await;
    assert_eq!(notice.subject, "Your ory-spa account was deleted");
    assert!(notice.text.contains("you can register again with this address"), "{}", notice.text);
}

/// The SMTP server is away when the change is made (a closed port): the change
/// still succeeds, the notice waits in the outbox, and the sender delivers it
/// once the server is back (here: a notifier pointed at the real Mailpit).
#[tokio::test]
async fn a_notice_the_smtp_server_did_not_take_is_sent_later() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let closed = format!("smtp://127.0.0.1:{}", crate::helpers::ory::free_port());
    let app = spawn_app_on(ory, &[("APP_SMTP_URL", &closed)]).await;
    let ada = app.person("Ada").await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();

    assert_eq!(app.change_password(&ada.token, NEW_PASSWORD, None).await.status(), 200, "the change is not held up");
    // The attempt right after the request fails and schedules the next one.
    let mut attempted = false;
    for _ in 0..100 {
        let statement = Statement::from_string(db.get_database_backend(), "SELECT attempts FROM mail_outbox");
        let row = db.query_one_raw(statement).await.unwrap();
        if row.is_some_and(|row| row.try_get_by_index::<i32>(0).unwrap() == 1) {
            attempted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(attempted, "one failed attempt is recorded");
    app.mailbox.wait_for_mail(&ada.email, 1).await;
    assert_eq!(app.mailbox.count(&ada.email).await, 1, "Kratos' code only: no notice was delivered yet");

    // The next attempt is due (as it would be a minute later) and the server is back.
    // The app's own sender (every 30 s, still at the closed port) may claim the
    // row between the two statements and push it forward again; then it is made
    // due once more, as a later attempt would find it.
    let mailpit = secrecy::SecretString::from(ory.smtp_url());
    let back = Notifier::new(db.clone(), Some(&mailpit), notices_from()).unwrap();
    let mut sent = 0;
    for _ in 0..3 {
        db.execute_unprepared("UPDATE mail_outbox SET send_after = 0").await.unwrap();
        sent = back.send_due().await.unwrap();
        if sent > 0 {
            break;
        }
    }
    assert_eq!(sent, 1);
    assert_eq!(outbox_rows(&db).await, 0, "a sent notice leaves the outbox");
    let notice = app.mailbox.wait_for_notice(&ada.email, 1).await;
    assert_eq!(notice.subject, "Your ory-spa password was changed");
}

#[tokio::test]
async fn without_an_smtp_server_there_are_no_notices_and_nothing_waits() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_SMTP_URL", "")]).await;
    let ada = app.person("Ada").await;
    assert_eq!(app.change_password(&ada.token, NEW_PASSWORD, None).await.status(), 200);
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    assert_eq!(outbox_rows(&db).await, 0);
}

/// A Mailpit that takes mail for `allowed` only and refuses every other
/// recipient for good (550), as a provider does for a mailbox that does not exist.
struct PickyMailpit {
    _mailpit: crate::helpers::ory::Service,
    _dir: tempfile::TempDir,
    smtp: u16,
    http: u16,
}

impl PickyMailpit {
    fn start(allowed: &str) -> PickyMailpit {
        use crate::helpers::ory::{MAILPIT_VERSION, binary, free_port, spawn};
        let dir = tempfile::tempdir().unwrap();
        let (smtp, http) = (free_port(), free_port());
        let mut command = std::process::Command::new(binary("mailpit", MAILPIT_VERSION));
        command
            .args(["--smtp", &format!("127.0.0.1:{smtp}"), "--listen", &format!("127.0.0.1:{http}")])
            .args(["--database", &dir.path().join("mailpit.sqlite").display().to_string()])
            .args(["--smtp-allowed-recipients", allowed])
            .args(["--disable-version-check", "--smtp-disable-rdns"])
            .env_clear()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mailpit = crate::helpers::ory::Service { child: spawn(command) };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", smtp)).is_err() {
            assert!(std::time::Instant::now() < deadline, "the second Mailpit did not listen within 30 s");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        PickyMailpit { _mailpit: mailpit, _dir: dir, smtp, http }
    }
}

/// The SMTP server refuses one recipient for good: that notice is dropped at
/// once (not retried for a day), and the other notice of the batch is delivered.
#[tokio::test]
async fn a_notice_refused_for_good_is_dropped_and_the_others_still_go() {
    let picky = tokio::task::spawn_blocking(|| PickyMailpit::start("^kept@")).await.unwrap();
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let url = secrecy::SecretString::from(format!("smtp://127.0.0.1:{}", picky.smtp));
    let notifier = Notifier::new(db.clone(), Some(&url), notices_from()).unwrap();
    let client = ory_spa::ory::ClientInfo { user_agent: Some("Test/1.0".into()), ip: None };
    let notice = ory_spa::notify::Notice::PasswordChanged;
    for email in ["refused@example.com", "kept@example.com"] {
        notifier.notify(ory_spa::notify::Recipient { email, name: "Ada" }, notice, &client).await;
    }

    let mut left = outbox_rows(&db).await;
    for _ in 0..100 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = outbox_rows(&db).await;
    }
    assert_eq!(left, 0, "the refused notice is not kept for another attempt");
    let mailbox = crate::helpers::mailbox::Mailbox::new(format!("http://127.0.0.1:{}", picky.http), "none".into());
    assert_eq!(mailbox.wait_for_notice("kept@example.com", 1).await.subject, "Your ory-spa password was changed");
    assert_eq!(mailbox.count("refused@example.com").await, 0);
}

async fn known_devices(db: &DatabaseConnection, identity: &str) -> i64 {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "SELECT COUNT(*) FROM known_devices WHERE identity_id = $1",
            _ => "SELECT COUNT(*) FROM known_devices WHERE identity_id = ?",
        },
        [uuid::Uuid::parse_str(identity).unwrap().into()],
    );
    db.query_one_raw(statement).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
}

/// Sends a login (password) from `user_agent`, and from `forwarded_for` when the
/// app believes `X-Forwarded-For`; returns the answer.
async fn login_as(app: &TestApp, email: &str, user_agent: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .post("/api/auth/login")
        .header("user-agent", user_agent)
        .json(&json!({ "identifier": email, "password": crate::helpers::PASSWORD }));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap()
}

/// The device a person registered from is known; a sign-in from another
/// browser is told once, with that browser and address, and the same browser
/// after an update is not news.
#[tokio::test]
async fn a_sign_in_from_a_new_browser_is_told_once_and_an_update_of_it_is_not_news() {
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let ada = app.person("Ada").await;
    assert_eq!(known_devices(&db, &ada.id).await, 1, "registration remembers its device");

    // The registration's own client (no user agent), then two new browsers, one
    // of them twice with another version.
    assert_eq!(app.login(&ada.email, crate::helpers::PASSWORD).await.status(), 200);
    app.login_from(&ada.email, crate::helpers::PASSWORD, "Firefox/133.0 (X11; Linux x86_64)").await;
    app.login_from(&ada.email, crate::helpers::PASSWORD, "Firefox/134.0 (X11; Linux x86_64)").await;
    app.login_from(&ada.email, crate::helpers::PASSWORD, "Phone/1.0").await;

    let first = app.mailbox.wait_for_notice(&ada.email, 1).await;
    assert_eq!(first.subject, "New sign-in to your ory-spa account");
    assert!(first.text.starts_with("Hello Ada,"), "{}", first.text);
    assert!(
        first.text.contains(&format!("Someone signed in to your ory-spa account ({})", ada.email)),
        "{}",
        first.text
    );
    assert!(first.text.contains("from Firefox/133.0 (X11; Linux x86_64) at 127.0.0.1."), "{}", first.text);
    assert!(first.text.contains(&format!("({}), with the password on ", ada.email)), "{}", first.text);
    assert!(first.text.contains("had not been used with your account before"), "{}", first.text);
    assert!(first.text.contains("Your sessions"), "what to do: {}", first.text);
    assert!(!first.text.contains(crate::helpers::PASSWORD) && !first.text.contains(&ada.token), "{}", first.text);
    let second = app.mailbox.wait_for_notice(&ada.email, 2).await;
    assert!(second.text.contains("from Phone/1.0 at 127.0.0.1."), "{}", second.text);

    assert_eq!(known_devices(&db, &ada.id).await, 3, "the registration's client, Firefox, the phone");
    // Every notice is written before its request answers; an empty outbox means
    // every notice written has been delivered, so two is all there are.
    for _ in 0..100 {
        if outbox_rows(&db).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(outbox_rows(&db).await, 0);
    let notices = app.mailbox.messages_to(&ada.email).await;
    let notices: Vec<_> = notices.iter().filter(|m| m.from_address == crate::helpers::mailbox::NOTICES_FROM).collect();
    assert_eq!(notices.len(), 2, "{:?}", notices.iter().map(|m| &m.text).collect::<Vec<_>>());
}

/// Behind a proxy the app believes: another address of the same network is the
/// same place (a new lease), another network is news.
#[tokio::test]
async fn a_sign_in_from_a_new_network_is_told_and_a_new_lease_is_not() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_CLIENT_ADDRESS_HEADER", "X-Forwarded-For")]).await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let ada = app.person("Ada").await;

    assert_eq!(login_as(&app, &ada.email, "Laptop/2.0", Some("203.0.113.5")).await.status(), 200);
    assert_eq!(known_devices(&db, &ada.id).await, 2);
    assert_eq!(login_as(&app, &ada.email, "Laptop/2.0", Some("203.0.113.77")).await.status(), 200);
    assert_eq!(known_devices(&db, &ada.id).await, 2, "the same /24");
    assert_eq!(login_as(&app, &ada.email, "Laptop/2.0", Some("198.51.100.5")).await.status(), 200);
    assert_eq!(known_devices(&db, &ada.id).await, 3, "another network");

    assert!(app.mailbox.wait_for_notice(&ada.email, 1).await.text.contains("from Laptop/2.0 at 203.0.113.5."));
    assert!(app.mailbox.wait_for_notice(&ada.email, 2).await.text.contains("from Laptop/2.0 at 198.51.100.5."));
}

/// With a second factor, the sign-in is complete (and told) only once the code
/// is in: the password step alone is no sign-in, and remembers nothing.
#[tokio::test]
async fn with_a_second_factor_the_notice_comes_when_the_sign_in_completes() {
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let ada = app.person("Ada").await;
    let secret = app.enrol_totp(&ada.token).await;
    assert_eq!(app.mailbox.wait_for_notice(&ada.email, 1).await.subject, app_added_subject());

    let half = login_as(&app, &ada.email, "Tablet/5.0", None).await;
    assert_eq!(half.status(), 202, "{}", half.text().await.unwrap());
    let half: serde_json::Value = half.json().await.unwrap();
    assert_eq!(known_devices(&db, &ada.id).await, 1, "a password alone is not a sign-in");

    let token = totp_step_as(&app, &half, &secret, "Tablet/5.0").await;
    assert_eq!(known_devices(&db, &ada.id).await, 2);
    let notice = app.mailbox.wait_for_notice(&ada.email, 2).await;
    assert_eq!(notice.subject, "New sign-in to your ory-spa account");
    assert!(notice.text.contains("from Tablet/5.0 at 127.0.0.1."), "{}", notice.text);
    assert!(notice.text.contains("with the password and an authenticator app code on "), "{}", notice.text);
    let events = activity(&app, &token).await;
    assert_eq!(events[0]["kind"], "signed_in");
    assert_eq!(events[0]["methods"], json!(["password", "totp"]), "both factors: {events:?}");
}

/// The right password, and then no second factor: the owner hears of it once
/// the wait is over, with the device it came from, and only once however often
/// it is repeated (the mail says how often); a sign-in that got its code in
/// time is not told as unfinished (only as new).
#[tokio::test]
async fn a_password_without_its_second_factor_is_told_once_the_wait_is_over() {
    // Long enough for the finished sign-in's code, under a loaded CI machine.
    let (app, db, ada, secret) = with_totp_and_a_wait_of(5000).await;

    // Ada on her tablet: the password, then the code.
    let tablet = login_as(&app, &ada.email, "Tablet/5.0", None).await;
    assert_eq!(tablet.status(), 202);
    assert_eq!(outbox_rows(&db).await, 1, "waiting for the code");
    let tablet: serde_json::Value = tablet.json().await.unwrap();
    let done_token = totp_step_as(&app, &tablet, &secret, "Tablet/5.0").await;
    assert_eq!(app.mailbox.wait_for_notice(&ada.email, 2).await.subject, "New sign-in to your ory-spa account");
    wait_for_empty_outbox(&db).await;
    let delivered = app.mailbox.count(&ada.email).await;

    // Someone else with her password, three times over, without a code.
    for _ in 0..3 {
        let stranger = login_as(&app, &ada.email, "Stranger/1.0", None).await;
        assert_eq!(stranger.status(), 202, "{}", stranger.text().await.unwrap());
    }
    assert_eq!(outbox_rows(&db).await, 3, "each waits, to be withdrawn by its own second factor");
    assert_eq!(app.mailbox.count(&ada.email).await, delivered, "not sent yet");

    // In the activity at once, each of them, and not the tablet's finished one.
    let token = done_token.as_str();
    let events = activity(&app, token).await;
    let unfinished: Vec<&serde_json::Value> = events.iter().filter(|e| e["kind"] == "unfinished_sign_in").collect();
    assert_eq!(unfinished.len(), 3, "{events:?}");
    assert!(unfinished.iter().all(|e| e["user_agent"] == "Stranger/1.0"), "{events:?}");
    assert_eq!(events[3]["kind"], "signed_in", "the tablet's sign-in, once: {events:?}");

    let unfinished = app.mailbox.wait_for_notice(&ada.email, 3).await;
    assert_eq!(unfinished.subject, UNFINISHED_SUBJECT);
    assert!(unfinished.text.contains("entered the right password for your ory-spa account"), "{}", unfinished.text);
    assert!(unfinished.text.contains("from Stranger/1.0 at 127.0.0.1."), "{}", unfinished.text);
    assert!(
        unfinished.text.contains("Since then, 2 more sign-ins stopped at the second factor"),
        "{}",
        unfinished.text
    );
    wait_for_empty_outbox(&db).await;
    let subjects: Vec<String> =
        app.mailbox.messages_to(&ada.email).await.into_iter().map(|mail| mail.subject).collect();
    assert_eq!(subjects.iter().filter(|subject| *subject == UNFINISHED_SUBJECT).count(), 1, "{subjects:?}");
}

/// A right password is not a failed login, so nothing throttles repeating the
/// first step: at most twenty notices wait for one address, the activity lists
/// every attempt, and one mail says "at least".
#[tokio::test]
async fn half_sign_ins_wait_twenty_deep_and_are_mailed_once() {
    // Long enough for all of them to be made before the first is due, on a
    // loaded CI machine. From one new device, they would stop at the limit of
    // half sign-ins (the throttling tests'): this is about what gets past it.
    let (app, db, ada, _) = with_totp_and_a_wait_of_and(15000, &[("APP_LIMIT_HALF_SIGN_INS_PER_ACCOUNT", "off")]).await;

    let started = std::time::Instant::now();
    // Two at a time: the password gate lets four through at once.
    for _ in 0..11 {
        let (a, b) = tokio::join!(
            login_as(&app, &ada.email, "Stranger/1.0", None),
            login_as(&app, &ada.email, "Stranger/1.0", None)
        );
        assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 202));
    }
    assert!(started.elapsed().as_secs() < 12, "made in time: {:?}", started.elapsed());
    assert_eq!(outbox_rows(&db).await, 20, "twenty wait");
    let events = activity(&app, &ada.token).await;
    assert_eq!(events.iter().filter(|e| e["kind"] == "unfinished_sign_in").count(), 22, "every one listed");

    let notice = app.mailbox.wait_for_notice(&ada.email, 2).await;
    assert_eq!(notice.subject, UNFINISHED_SUBJECT);
    assert!(notice.text.contains("Since then, at least 19 more sign-ins stopped"), "{}", notice.text);
    wait_for_empty_outbox(&db).await;
    let subjects: Vec<String> =
        app.mailbox.messages_to(&ada.email).await.into_iter().map(|mail| mail.subject).collect();
    assert_eq!(subjects.len(), 1 + 2, "one mail for all of them: {subjects:?}");
}

/// The owner's own half sign-in, waiting for its code, does not hide a
/// stranger's made meanwhile: finishing hers withdraws hers alone, and the
/// stranger's is told when its own wait is over.
#[tokio::test]
async fn finishing_ones_own_sign_in_does_not_withdraw_a_strangers_notice() {
    let (app, db, ada, secret) = with_totp_and_a_wait_of(5000).await;

    let tablet = login_as(&app, &ada.email, "Tablet/5.0", None).await;
    assert_eq!(tablet.status(), 202);
    let tablet: serde_json::Value = tablet.json().await.unwrap();
    assert_eq!(login_as(&app, &ada.email, "Stranger/1.0", None).await.status(), 202);
    totp_step_as(&app, &tablet, &secret, "Tablet/5.0").await;
    assert_eq!(app.mailbox.wait_for_notice(&ada.email, 2).await.subject, "New sign-in to your ory-spa account");

    let notice = app.mailbox.wait_for_notice(&ada.email, 3).await;
    assert_eq!(notice.subject, UNFINISHED_SUBJECT);
    assert!(notice.text.contains("from Stranger/1.0 at 127.0.0.1."), "{}", notice.text);
    assert!(!notice.text.contains("Since then"), "the stranger's alone: {}", notice.text);
    wait_for_empty_outbox(&db).await;
    assert_eq!(app.mailbox.count(&ada.email).await, 3 + 1, "three notices and the verification code");
}

/// A recovery code opens the account only as far as the second factor, like a
/// password; stopping there is told too, with what it means (someone reads the
/// owner's mail). Kratos does not name whom the code signed in until the second
/// factor, so the backend finds them by the address the flow sent it to. A
/// recovery that gets its code in time is told only as a new sign-in.
#[tokio::test]
async fn a_recovery_code_without_its_second_factor_is_told_once_the_wait_is_over() {
    let (app, db, ada, secret) = with_totp_and_a_wait_of(5000).await;

    // Ada on her tablet: the code from the mail, then her authenticator app.
    let tablet = recover_as(&app, &ada.email, 2, "Tablet/5.0").await;
    assert_eq!(outbox_rows(&db).await, 1, "waiting for the second factor");
    let token = totp_step_as(&app, &tablet, &secret, "Tablet/5.0").await;
    assert_eq!(app.mailbox.wait_for_notice(&ada.email, 2).await.subject, "New sign-in to your ory-spa account");
    wait_for_empty_outbox(&db).await;

    // Someone who reads her mail, without her authenticator app.
    recover_as(&app, &ada.email, 3, "Stranger/1.0").await;
    assert_eq!(outbox_rows(&db).await, 1, "one waits");
    let events = activity(&app, &token).await;
    let unfinished: Vec<&serde_json::Value> = events.iter().filter(|e| e["kind"] == "unfinished_sign_in").collect();
    assert_eq!(unfinished.len(), 1, "only the stranger's is unfinished: {events:?}");
    assert_eq!(unfinished[0]["methods"], json!(["code_recovery"]), "{events:?}");
    assert_eq!(unfinished[0]["user_agent"], "Stranger/1.0");

    let notice = app.mailbox.wait_for_notice(&ada.email, 3).await;
    assert_eq!(notice.subject, "A recovery code for your ory-spa account was used, but the sign-in was not finished");
    assert!(notice.text.contains("used a recovery code mailed to your address"), "{}", notice.text);
    assert!(notice.text.contains("from Stranger/1.0 at 127.0.0.1."), "{}", notice.text);
    assert!(notice.text.contains("secure your mailbox first"), "{}", notice.text);
    wait_for_empty_outbox(&db).await;
    assert_eq!(app.mailbox.messages_to(&ada.email).await.len(), 3 + 3, "three codes, three notices");
}

/// A half sign-in by a recovery code from the owner's mail, waiting behind a
/// password's, goes out in the password's mail; that mail still says that
/// someone reads the owner's mail, and what to do first.
#[tokio::test]
async fn a_recovery_code_behind_a_password_in_one_mail_still_says_to_secure_the_mailbox() {
    let (app, db, ada, _) = with_totp_and_a_wait_of(5000).await;
    assert_eq!(login_as(&app, &ada.email, "Stranger/1.0", None).await.status(), 202);
    recover_as(&app, &ada.email, 2, "Stranger/2.0").await;
    assert_eq!(outbox_rows(&db).await, 2, "both wait");

    let notice = app.mailbox.wait_for_notice(&ada.email, 2).await;
    assert_eq!(notice.subject, UNFINISHED_SUBJECT, "the first made is the one sent");
    assert!(notice.text.contains("from Stranger/1.0 at 127.0.0.1."), "{}", notice.text);
    assert!(notice.text.contains("Since then, one more sign-in stopped at the second factor"), "{}", notice.text);
    assert!(
        notice.text.contains("It began with a recovery code mailed to this address"),
        "the recovery code's warning is kept: {}",
        notice.text
    );
    assert!(notice.text.contains("secure your mailbox first"), "{}", notice.text);
    wait_for_empty_outbox(&db).await;
    assert_eq!(app.mailbox.messages_to(&ada.email).await.len(), 2 + 2, "two codes, two notices");
}

/// Asks for a recovery code for `email` and uses it from `user_agent`, which
/// stops at the second factor; `nth` is the code's place among Kratos' mails
/// to that address (the registration's verification code is the first).
async fn recover_as(app: &TestApp, email: &str, nth: usize, user_agent: &str) -> serde_json::Value {
    let sent: serde_json::Value = app.send_recovery_code(email).await.json().await.unwrap();
    let code = app.mailbox.wait_for_code(email, nth).await;
    let recovered = app
        .post("/api/auth/recovery/code")
        .header("user-agent", user_agent)
        .json(&json!({ "flow_id": sent["flow_id"], "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(recovered.status(), 202, "a code by mail is not the second factor");
    recovered.json::<serde_json::Value>().await.unwrap()
}

/// A half sign-in to an account deleted before its notice was due is not told:
/// the deletion's notice is the last word.
#[tokio::test]
async fn a_deleted_account_is_not_told_of_an_unfinished_sign_in() {
    let (app, db, ada, secret) = with_totp_and_a_wait_of(2000).await;
    assert_eq!(login_as(&app, &ada.email, "Stranger/1.0", None).await.status(), 202);
    assert_eq!(outbox_rows(&db).await, 1, "the stranger's waits");

    // Ada signs in with both factors and deletes the account at once.
    let (token, flow) = {
        let half: serde_json::Value = login_as(&app, &ada.email, "Tablet/5.0", None).await.json().await.unwrap();
        (
            half["session_token"].as_str().unwrap().to_owned(),
            half["second_factor"]["flow_id"].as_str().unwrap().to_owned(),
        )
    };
    let done = app.second_factor(&token, "totp", &crate::helpers::totp_code(&secret), Some(&flow)).await;
    assert_eq!(done.status(), 200);
    assert_eq!(app.call(Method::DELETE, "/api/account", Some(&token), None).await.status(), 204);

    // (The second factor was sent from the test's own client, a known device.)
    let deleted = app.mailbox.wait_for_notice(&ada.email, 2).await;
    assert_eq!(deleted.subject, "Your ory-spa account was deleted");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    wait_for_empty_outbox(&db).await;
    let subjects: Vec<String> =
        app.mailbox.messages_to(&ada.email).await.into_iter().map(|mail| mail.subject).collect();
    assert!(!subjects.iter().any(|subject| subject == UNFINISHED_SUBJECT), "{subjects:?}");
}

/// `off` mails nobody of an unfinished sign-in, and says so; the activity still
/// shows it.
#[tokio::test]
async fn unfinished_sign_ins_can_be_left_untold() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_UNFINISHED_SIGN_IN_NOTICE_AFTER_MS", "off")]).await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;
    app.mailbox.wait_for_notice(&ada.email, 1).await;
    wait_for_empty_outbox(&db).await;
    assert_eq!(login_as(&app, &ada.email, "Stranger/1.0", None).await.status(), 202);
    assert_eq!(outbox_rows(&db).await, 0, "nothing waits");
    let settings = app.call(Method::GET, "/api/account/notices", Some(&ada.token), None).await;
    let settings: serde_json::Value = settings.json().await.unwrap();
    assert_eq!(settings["events"].as_array().unwrap().len(), 10, "{settings}");
    assert!(!settings["events"].as_array().unwrap().contains(&json!("unfinished_sign_in")), "{settings}");
    let events = activity(&app, &ada.token).await;
    assert_eq!(events[0]["kind"], "unfinished_sign_in", "still in the activity: {events:?}");
    assert_eq!(events[0]["user_agent"], "Stranger/1.0");
}

/// An app whose unfinished sign-ins are told after `wait_ms`, and Ada with an
/// authenticator app, its notice sent: the set-up of the tests of half sign-ins.
/// Returns the app, its database, Ada and her TOTP secret.
async fn with_totp_and_a_wait_of(wait_ms: u64) -> (TestApp, DatabaseConnection, crate::helpers::Person, String) {
    with_totp_and_a_wait_of_and(wait_ms, &[]).await
}

/// The same, with more of the app's variables.
async fn with_totp_and_a_wait_of_and(
    wait_ms: u64,
    vars: &[(&str, &str)],
) -> (TestApp, DatabaseConnection, crate::helpers::Person, String) {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let wait = wait_ms.to_string();
    let vars: Vec<(&str, &str)> =
        [("APP_UNFINISHED_SIGN_IN_NOTICE_AFTER_MS", wait.as_str())].into_iter().chain(vars.iter().copied()).collect();
    let app = spawn_app_on(ory, &vars).await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let ada = app.person("Ada").await;
    let secret = app.enrol_totp(&ada.token).await;
    assert_eq!(app.mailbox.wait_for_notice(&ada.email, 1).await.subject, app_added_subject());
    wait_for_empty_outbox(&db).await;
    (app, db, ada, secret)
}

/// The sender removes a row just after the SMTP server took it.
async fn wait_for_empty_outbox(db: &DatabaseConnection) {
    for _ in 0..50 {
        if outbox_rows(db).await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(outbox_rows(db).await, 0, "a delivered notice stays in the outbox");
}

const UNFINISHED_SUBJECT: &str = "Your ory-spa password was entered, but the sign-in was not finished";

/// Completes the login answered by `half` (a 202) with a code from `secret`,
/// from `user_agent`; returns the two-factor session's token.
async fn totp_step_as(app: &TestApp, half: &serde_json::Value, secret: &str, user_agent: &str) -> String {
    let done = app
        .post("/api/auth/second-factor")
        .bearer_auth(half["session_token"].as_str().unwrap())
        .header("user-agent", user_agent)
        .json(&json!({
            "method": "totp",
            "code": crate::helpers::totp_code(secret),
            "flow_id": half["second_factor"]["flow_id"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    done.json::<serde_json::Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned()
}

fn app_added_subject() -> &'static str {
    "Two-factor authentication was turned on for your ory-spa account"
}

/// A recovery code signs the person in: from a new device, that is told too.
#[tokio::test]
async fn a_sign_in_by_recovery_code_from_a_new_device_is_told() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let sent = app.send_recovery_code(&ada.email).await;
    assert_eq!(sent.status(), 202);
    let flow: serde_json::Value = sent.json().await.unwrap();
    // The registration's verification code is the first mail.
    let code = app.mailbox.wait_for_code(&ada.email, 2).await;
    let recovered = app
        .post("/api/auth/recovery/code")
        .header("user-agent", "Kiosk/1.0")
        .json(&json!({ "flow_id": flow["flow_id"], "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(recovered.status(), 200, "{}", recovered.text().await.unwrap());
    let notice = app.mailbox.wait_for_notice(&ada.email, 1).await;
    assert_eq!(notice.subject, "New sign-in to your ory-spa account");
    assert!(notice.text.contains("from Kiosk/1.0 at 127.0.0.1."), "{}", notice.text);
    assert!(notice.text.contains("with a recovery code sent by email on "), "{}", notice.text);
    let events = activity(&app, &ada.token).await;
    assert_eq!((&events[0]["kind"], &events[0]["methods"]), (&json!("signed_in"), &json!(["code_recovery"])));
}

/// Without an SMTP server nothing is mailed, but devices are still told apart
/// for the security activity; and an account older than the device table is
/// not told of the first device it signs in from.
#[tokio::test]
async fn without_notices_devices_still_count_and_an_older_accounts_first_device_is_not_news() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let quiet = spawn_app_on(ory, &[("APP_SMTP_URL", "")]).await;
    let db = sea_orm::Database::connect(&quiet.database_url).await.unwrap();
    let ada = quiet.person("Ada").await;
    quiet.login_from(&ada.email, crate::helpers::PASSWORD, "Phone/1.0").await;
    assert_eq!(known_devices(&db, &ada.id).await, 2);
    let events = activity(&quiet, &ada.token).await;
    assert_eq!(events[0]["kind"], "signed_in");
    assert_eq!(events[0]["new_device"], true, "{events:?}");
    assert_eq!(outbox_rows(&db).await, 0, "and no mail");
    let settings = quiet.call(Method::GET, "/api/account/notices", Some(&ada.token), None).await;
    assert_eq!(settings.json::<serde_json::Value>().await.unwrap(), json!({ "enabled": false, "events": [] }));

    // An account from before devices were remembered (its rows gone), on a
    // replica that mails notices.
    db.execute_unprepared("DELETE FROM known_devices").await.unwrap();
    db.execute_unprepared("DELETE FROM device_accounts").await.unwrap();
    let loud = crate::helpers::spawn_replica(&quiet, ory, &[]).await;
    loud.login_from(&ada.email, crate::helpers::PASSWORD, "Phone/1.0").await;
    assert_eq!(known_devices(&db, &ada.id).await, 1, "remembered, not told");
    loud.login_from(&ada.email, crate::helpers::PASSWORD, "Laptop/2.0").await;
    assert_eq!(known_devices(&db, &ada.id).await, 2);
    let notice = quiet.mailbox.wait_for_notice(&ada.email, 1).await;
    assert!(notice.text.contains("from Laptop/2.0"), "the first notice is the laptop's: {}", notice.text);

    let settings = loud.call(Method::GET, "/api/account/notices", Some(&ada.token), None).await;
    let settings: serde_json::Value = settings.json().await.unwrap();
    assert_eq!(settings["enabled"], true);
    assert_eq!(settings["events"][0], "new_sign_in", "{settings}");
    assert_eq!(settings["events"].as_array().unwrap().len(), 11, "{settings}");
    assert_eq!(settings["events"][8], "unfinished_sign_in", "{settings}");
}

/// An account older than the device table has its first sign-in since
/// remembered without a notice. Two such first sign-ins at once, from two
/// devices, could both count no device before either was written (on
/// PostgreSQL, in CI): now exactly one of them is the first, and the other is
/// news.
#[tokio::test]
async fn two_first_sign_ins_at_once_make_one_first_device_and_one_new() {
    use ory_spa::notify::devices::{self, Sighting};
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let client = |agent: &str| ory_spa::ory::ClientInfo {
        user_agent: Some(agent.to_owned()),
        ip: Some("203.0.113.5".parse().unwrap()),
    };
    let (phone, laptop) = (client("Phone/1.0"), client("Laptop/2.0"));
    // Polled together, the two interleave at each database call.
    for _ in 0..100 {
        let account = uuid::Uuid::new_v4();
        let (a, b) = tokio::join!(devices::sighting(&db, account, &phone), devices::sighting(&db, account, &laptop));
        let mut seen = [a.unwrap(), b.unwrap()];
        seen.sort_by_key(|sighting| *sighting != Sighting::First);
        assert_eq!(seen, [Sighting::First, Sighting::New]);
    }
}

async fn activity(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let response = app.call(Method::GET, "/api/account/activity", Some(token), None).await;
    assert_eq!(response.status(), 200);
    response.json::<serde_json::Value>().await.unwrap()["events"].as_array().unwrap().clone()
}

/// The security activity lists what happened, newest first, with the device
/// each came from, and marks the sign-ins from a new device.
#[tokio::test]
async fn the_security_activity_lists_sign_ins_and_changes_newest_first() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_CLIENT_ADDRESS_HEADER", "X-Forwarded-For")]).await;
    let ada = app.person("Ada").await;
    let laptop = login_as(&app, &ada.email, "Laptop/2.0", Some("203.0.113.5")).await;
    assert_eq!(laptop.status(), 200);
    let laptop = laptop.json::<serde_json::Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned();
    assert_eq!(login_as(&app, &ada.email, "Laptop/2.1", Some("203.0.113.9")).await.status(), 200);
    let changed = app
        .client
        .put(format!("{}/api/account/password", app.address))
        .bearer_auth(&laptop)
        .header("user-agent", "Laptop/2.0")
        .header("x-forwarded-for", "203.0.113.5")
        .json(&json!({ "password": NEW_PASSWORD, "sign_out_other_sessions": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    app.enrol_totp(&ada.token).await;

    let events = activity(&app, &ada.token).await;
    let summary: Vec<(&str, bool, Option<&str>, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["new_device"].as_bool().unwrap(),
                e["user_agent"].as_str(),
                e["ip_address"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("authenticator_added", false, None, Some("127.0.0.1")),
            ("password_changed", false, Some("Laptop/2.0"), Some("203.0.113.5")),
            ("signed_in", false, Some("Laptop/2.1"), Some("203.0.113.9")),
            ("signed_in", true, Some("Laptop/2.0"), Some("203.0.113.5")),
            ("registered", false, None, Some("127.0.0.1")),
        ]
    );
    let methods: Vec<&serde_json::Value> = events.iter().map(|e| &e["methods"]).collect();
    assert_eq!(methods, [&json!([]), &json!([]), &json!(["password"]), &json!(["password"]), &json!([])]);
    let at = |n: usize| chrono::DateTime::parse_from_rfc3339(events[n]["occurred_at"].as_str().unwrap()).unwrap();
    assert!(at(0) >= at(4) && (chrono::Utc::now().fixed_offset() - at(4)).num_seconds() < 120, "{events:?}");

    // Another account's activity is its own.
    let grace = app.person("Grace").await;
    let theirs = activity(&app, &grace.token).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["kind"], "registered");
}

/// An account keeps its latest hundred of each kind of event: sign-ins from
/// known devices (with unfinished ones), sign-ins from new devices, and
/// changes. Signing in again and again, from old devices or new ones, forgets
/// older sign-ins of that kind, never a change.
#[tokio::test]
async fn the_security_activity_keeps_a_hundred_of_each_kind_apart() {
    use ory_spa::notify::activity::{self, ActivityKind, Event, MAX_PER_ACCOUNT};
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let id = uuid::Uuid::parse_str(&ada.id).unwrap();
    let client = |agent: String| ory_spa::ory::ClientInfo { user_agent: Some(agent), ip: None };
    let new_device = Event { new_device: true, ..Event::of(ActivityKind::SignedIn) };
    activity::record(&db, id, new_device, &client("Stranger/1".into())).await.unwrap();
    activity::record(&db, id, Event::of(ActivityKind::PasswordChanged), &client("Stranger/1".into())).await.unwrap();
    // Sign-ins from known devices and password steps that stopped there: both
    // can be made at will with the password alone.
    for n in 0..MAX_PER_ACCOUNT + 5 {
        let kind = if n % 2 == 0 { ActivityKind::SignedIn } else { ActivityKind::UnfinishedSignIn };
        activity::record(&db, id, Event::of(kind), &client(format!("Stranger/{n}"))).await.unwrap();
    }

    let events = activity(&app, &ada.token).await;
    let is_routine = |e: &serde_json::Value| {
        (e["kind"] == "signed_in" && e["new_device"] == false) || e["kind"] == "unfinished_sign_in"
    };
    let routine: Vec<&serde_json::Value> = events.iter().filter(|e| is_routine(e)).collect();
    assert_eq!(routine.len() as u64, MAX_PER_ACCOUNT);
    assert_eq!(routine[0]["user_agent"], format!("Stranger/{}", MAX_PER_ACCOUNT + 4), "the newest first");
    assert_eq!(routine.last().unwrap()["user_agent"], "Stranger/5", "the five oldest are forgotten");
    let rest: Vec<&str> = events.iter().filter(|e| !is_routine(e)).map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(rest, ["password_changed", "signed_in", "registered"], "the change and the new device stay");

    // A new user agent is a new device: the password alone makes these too.
    for n in 0..MAX_PER_ACCOUNT + 5 {
        activity::record(&db, id, new_device, &client(format!("Thief/{n}"))).await.unwrap();
    }
    let events = activity(&app, &ada.token).await;
    let new_devices: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "signed_in" && e["new_device"] == true)
        .map(|e| e["user_agent"].as_str().unwrap())
        .collect();
    assert_eq!(new_devices.len() as u64, MAX_PER_ACCOUNT);
    assert_eq!(*new_devices.last().unwrap(), "Thief/5", "Stranger/1 and the five oldest thieves are forgotten");
    let changes: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] != "signed_in" && !is_routine(e))
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["password_changed", "registered"], "no sign-in pushes out a change");

    for _ in 0..MAX_PER_ACCOUNT {
        activity::record(&db, id, Event::of(ActivityKind::AuthenticatorAdded), &client("Ada/1".into())).await.unwrap();
    }
    let statement = Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) FROM security_activity");
    let stored = db.query_one_raw(statement).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap();
    assert_eq!(stored as u64, 3 * MAX_PER_ACCOUNT, "each kind is capped, and forgotten, not just hidden");
    assert_eq!(activity(&app, &ada.token).await.len() as u64, 3 * MAX_PER_ACCOUNT);
}
