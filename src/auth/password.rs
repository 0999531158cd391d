//! Password strength, judged before Kratos sees a new password.
//!
//! Kratos' own checks (length, similarity to the identifier) stay on, but its
//! breached-password check needs the internet (haveibeenpwned), which a machine
//! like this one does not have; without a replacement, `password`, `12345678`
//! and eight spaces were accepted. zxcvbn estimates how many guesses a password
//! takes from dictionaries, keyboard patterns, dates and repeats, and from the
//! person's own email and name.

use secrecy::{ExposeSecret, SecretString};

use crate::http::{Message, message_id};

/// The least zxcvbn score a new password needs (`APP_PASSWORD_MIN_STRENGTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// 0 accepts anything Kratos accepts; 3 (the default) asks for about 10^10
    /// guesses, beyond an offline attack on one fast hash in a day; 4 for more.
    pub min_score: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_score: 3 }
    }
}

impl PasswordPolicy {
    /// Refuses a weak password with a message on `password` that says why.
    /// `personal` are the person's email and name, which make a password easier
    /// to guess when it contains them.
    pub fn check(&self, password: &SecretString, personal: &[&str]) -> Result<(), Message> {
        if self.min_score == 0 {
            return Ok(());
        }
        // zxcvbn matches its user inputs as whole dictionary words: "Ada Lovelace"
        // would only catch that exact string, so give it the words.
        let words: Vec<String> = personal
            .iter()
            .flat_map(|input| input.split(|c: char| !c.is_alphanumeric()))
            .filter(|word| word.chars().count() >= 3)
            .map(str::to_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(password.expose_secret(), &words);
        if u8::from(estimate.score()) >= self.min_score {
            return Ok(());
        }
        let feedback = estimate.feedback();
        let warning = feedback.and_then(|f| f.warning()).map(|w| w.to_string());
        let suggestion = feedback.and_then(|f| f.suggestions().first()).map(|s| s.to_string());
        let why = warning.unwrap_or_else(|| "It would be guessed too easily.".to_owned());
        let text = match suggestion {
            Some(suggestion) => format!("This password is too weak. {why} {suggestion}"),
            None => format!("This password is too weak. {why}"),
        };
        Err(Message { field: Some("password".into()), id: message_id::PASSWORD_TOO_WEAK, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, personal: &[&str]) -> Result<(), Message> {
        PasswordPolicy::default().check(&SecretString::from(password.to_owned()), personal)
    }

    #[test]
    fn common_and_trivial_passwords_are_refused_with_a_reason() {
        for weak in ["password", "12345678", "        ", "qwertyuiop", "Password1!", "iloveyou2"] {
            let message = check(weak, &[]).expect_err(weak);
            assert_eq!(message.field.as_deref(), Some("password"));
            assert_eq!(message.id, message_id::PASSWORD_TOO_WEAK);
            assert!(message.text.starts_with("This password is too weak."), "{}", message.text);
        }
    }

    #[test]
    fn passphrases_pass() {
        for strong in ["a quiet evening walk 42", "correct horse battery staple", "violet harbor quietly 42"] {
            assert!(check(strong, &[]).is_ok(), "{strong}");
        }
    }

    #[test]
    fn the_persons_own_details_count_against_a_password() {
        let password = "zebulonquaxter";
        assert!(check(password, &[]).is_ok(), "strong enough for a stranger");
        assert!(check(password, &["zebulon@quaxter.example", "Zebulon Quaxter"]).is_err(), "not for Zebulon");
    }

    #[test]
    fn zero_turns_the_check_off() {
        let policy = PasswordPolicy { min_score: 0 };
        assert!(policy.check(&SecretString::from("password".to_owned()), &[]).is_ok());
    }
}
