//! Reads the mail Kratos' courier delivered to a stack's Mailpit, through Mailpit's
//! HTTP API: `GET /api/v1/search?query=to:…` lists messages (newest first),
//! `GET /api/v1/message/{id}` returns one with its text and HTML bodies.
//!
//! Mail arrives asynchronously (Kratos queues it; its courier sends it a moment
//! later), so tests wait for "the nth mail to this address", counting from 1. A
//! test that expects a second code asks for the second mail and never reads the
//! first one again.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use serde::Deserialize;

/// The backend's security notices come from this address (`spawn_app` sets
/// `APP_MAIL_FROM`), Kratos' codes from another: `wait_for_mail` and
/// `wait_for_code` count Kratos' mail only, `wait_for_notice` the notices only,
/// so that a notice arriving first never shifts which mail is "the nth code".
pub const NOTICES_FROM: &str = "security@ory-spa.localhost";

const POLL_EVERY: Duration = Duration::from_millis(100);
const WAIT_AT_MOST: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct Mailbox {
    /// Mailpit's base URL, ending in `/`.
    url: String,
    client: reqwest::Client,
    /// The log of the Kratos whose courier sends to this Mailpit: a mail that
    /// does not come is reported with its last lines (warnings and errors).
    kratos_log: PathBuf,
}

/// One delivered message, as its recipient would read it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub id: String,
    pub from_name: String,
    pub from_address: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The first run of exactly six digits in the plaintext body: Kratos' one-time
    /// codes (verification, recovery) are six digits.
    pub fn code(&self) -> Option<String> {
        self.text.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == 6).map(str::to_owned)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Address {
    name: String,
    address: String,
}

#[derive(Deserialize)]
struct SearchResult {
    messages: Vec<Summary>,
    /// Every message Mailpit holds, for the report when a mail does not come.
    messages_count: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Summary {
    #[serde(rename = "ID")]
    id: String,
    from: Address,
    to: Vec<Address>,
    subject: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Message {
    #[serde(rename = "ID")]
    id: String,
    from: Address,
    to: Vec<Address>,
    subject: String,
    text: String,
    #[serde(rename = "HTML")]
    html: String,
}

impl Mailbox {
    /// A reader for the Mailpit at `url`, fed by the Kratos logging to
    /// `kratos_log` (`OryStack::mailbox`).
    pub fn new(url: impl Into<String>, kratos_log: PathBuf) -> Mailbox {
        let mut url = url.into();
        if !url.ends_with('/') {
            url.push('/');
        }
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        Mailbox { url, client, kratos_log }
    }

    /// How many messages have been delivered to `to` so far.
    pub async fn count(&self, to: &str) -> usize {
        self.search(to).await.0.len()
    }

    /// Every message delivered to `to`, oldest first.
    pub async fn messages_to(&self, to: &str) -> Vec<Mail> {
        let mut mails = Vec::new();
        for summary in self.search(to).await.0 {
            mails.push(self.message(&summary.id).await);
        }
        mails
    }

    /// One message by its Mailpit id.
    pub async fn message(&self, id: &str) -> Mail {
        let url = format!("{}api/v1/message/{id}", self.url);
        let message: Message = self.get_json(&url, &[]).await;
        Mail {
            id: message.id,
            from_name: message.from.name,
            from_address: message.from.address,
            to: message.to.into_iter().map(|a| a.address).collect(),
            subject: message.subject,
            text: message.text,
            html: message.html,
        }
    }

    /// Waits for the `nth` message Kratos sent to `to` (1 for the first) and
    /// returns it. Panics after 15 s, naming the address and what did arrive.
    pub async fn wait_for_mail(&self, to: &str, nth: usize) -> Mail {
        self.wait_for(to, nth, false).await
    }

    /// Waits for the `nth` security notice the backend sent to `to`.
    pub async fn wait_for_notice(&self, to: &str, nth: usize) -> Mail {
        self.wait_for(to, nth, true).await
    }

    async fn wait_for(&self, to: &str, nth: usize, notices: bool) -> Mail {
        assert!(nth >= 1, "mails are counted from 1");
        let deadline = Instant::now() + WAIT_AT_MOST;
        loop {
            let (mut summaries, total) = self.search(to).await;
            summaries.retain(|summary| summary.from.address.eq_ignore_ascii_case(NOTICES_FROM) == notices);
            if let Some(summary) = summaries.get(nth - 1) {
                return self.message(&summary.id).await;
            }
            if Instant::now() >= deadline {
                let subjects: Vec<&str> = summaries.iter().map(|s| s.subject.as_str()).collect();
                panic!(
                    "mail number {nth} to {to} did not arrive within {WAIT_AT_MOST:?}: Mailpit at {} has {} \
                     for this address {subjects:?} and {total} in all. Is Kratos running with \
                     `--watch-courier` and COURIER_SMTP_CONNECTION_URI pointing at this Mailpit? \
                     The last lines of {}:\n{}",
                    self.url,
                    summaries.len(),
                    self.kratos_log.display(),
                    self.kratos_log_tail(),
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// The last lines Kratos logged (its courier's failures among them), for a
    /// report that outlives the stack's temporary directory.
    fn kratos_log_tail(&self) -> String {
        const LINES: usize = 20;
        match std::fs::read_to_string(&self.kratos_log) {
            Ok(log) => {
                let lines: Vec<&str> = log.lines().collect();
                lines[lines.len().saturating_sub(LINES)..].join("\n")
            }
            Err(error) => format!("(unreadable: {error})"),
        }
    }

    /// Waits for the `nth` message to `to` (1 for the first) and returns the
    /// six-digit code in its plaintext body.
    pub async fn wait_for_code(&self, to: &str, nth: usize) -> String {
        let mail = self.wait_for_mail(to, nth).await;
        mail.code().unwrap_or_else(|| {
            panic!("mail number {nth} to {to} ({:?}) has no six-digit code in its text:\n{}", mail.subject, mail.text)
        })
    }

    /// The messages to exactly `to` (Mailpit's `to:` matches substrings), oldest
    /// first, and how many messages Mailpit holds in all.
    async fn search(&self, to: &str) -> (Vec<Summary>, u64) {
        let url = format!("{}api/v1/search", self.url);
        let result: SearchResult =
            self.get_json(&url, &[("query", format!("to:{to}")), ("limit", "1000".to_owned())]).await;
        let mut summaries: Vec<Summary> =
            result.messages.into_iter().filter(|m| m.to.iter().any(|a| a.address.eq_ignore_ascii_case(to))).collect();
        summaries.reverse();
        (summaries, result.messages_count)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str, query: &[(&str, String)]) -> T {
        let response = self
            .client
            .get(url)
            .query(query)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Mailpit at {url} does not answer: {e}"));
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "Mailpit at {url} answered {status}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("unexpected answer from Mailpit at {url} ({e}): {body}"))
    }
}
