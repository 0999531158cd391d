//! Mail delivery end to end: Kratos' courier sends through SMTP to the stack's own
//! Mailpit, and what arrives is our mail (sender, subject, a code in the text).

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, ory::OryStack, spawn_app, unique_email};

fn is_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn registration_mails_a_verification_code_from_ory_spa() {
    let app = spawn_app().await;
    let email = unique_email();

    let response = app.register(&email, "Ada", PASSWORD).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());

    let mail = app.mailbox.wait_for_mail(&email, 1).await;
    assert_eq!(mail.to, [email.as_str()]);
    assert_eq!(mail.from_address, "no-reply@ory-spa.localhost");
    assert_eq!(mail.from_name, "ory-spa");
    assert_eq!(mail.subject, "Confirm your email address for ory-spa");
    let code = mail.code().unwrap_or_else(|| panic!("no six-digit code in the text:\n{}", mail.text));
    assert!(is_code(&code), "{code:?}");
    assert!(mail.html.contains(&code), "the HTML part carries the same code:\n{}", mail.html);
}

/// Tests that ask for a code again must get the new mail, not the first one again.
#[tokio::test]
async fn the_second_mail_to_an_address_is_waited_for_not_the_first_again() {
    let app = spawn_app().await;
    let email = unique_email();
    let response = app.register(&email, "Ada", PASSWORD).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let first = app.mailbox.wait_for_mail(&email, 1).await;

    // Another code through Kratos' native verification flow, straight to Kratos:
    // this test is about delivery, not about the backend's endpoints.
    let kratos = tokio::task::spawn_blocking(OryStack::shared).await.unwrap().kratos_public_url();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let flow: Value =
        client.get(format!("{kratos}self-service/verification/api")).send().await.unwrap().json().await.unwrap();
    let response = client
        .post(format!("{kratos}self-service/verification?flow={}", flow["id"].as_str().unwrap()))
        // Without it Kratos answers even a native verification flow with a 303 to
        // the verification ui_url.
        .header("accept", "application/json")
        .json(&json!({ "method": "code", "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let second_code = app.mailbox.wait_for_code(&email, 2).await;
    assert!(is_code(&second_code), "{second_code:?}");
    assert_eq!(app.mailbox.count(&email).await, 2);
    let mails = app.mailbox.messages_to(&email).await;
    assert_eq!(mails[0].id, first.id, "oldest first");
    assert_ne!(mails[1].id, first.id);
    assert_eq!(app.mailbox.wait_for_mail(&email, 1).await.id, first.id);
}
