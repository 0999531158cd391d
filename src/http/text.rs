//! Validation of short texts (titles, names) shared by the features.

use super::{Message, message_id};

/// Trims `value` and checks it has 1 to `max` characters; otherwise a message on `field`.
pub fn bounded_text(field: &str, value: &str, max: usize) -> Result<String, Message> {
    let trimmed = value.trim();
    let message = |id, text: String| Message { field: Some(field.to_owned()), id, text };
    if trimmed.is_empty() {
        Err(message(message_id::EMPTY, "must not be empty".into()))
    } else if trimmed.chars().count() > max {
        Err(message(message_id::TOO_LONG, format!("must be at most {max} characters")))
    } else {
        Ok(trimmed.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes_and_trims() {
        assert_eq!(bounded_text("title", "  é  ", 1).unwrap(), "é");
        assert_eq!(bounded_text("title", "ab", 1).unwrap_err().id, message_id::TOO_LONG);
        assert_eq!(bounded_text("title", " \n ", 10).unwrap_err().id, message_id::EMPTY);
    }
}
