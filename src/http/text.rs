//! Validation of short texts (titles, names) shared by the features.

use super::{Message, message_id};

/// Trims `value` and checks it has 1 to `max` characters and no control
/// characters; otherwise a message on `field`.
pub fn bounded_text(field: &str, value: &str, max: usize) -> Result<String, Message> {
    let trimmed = value.trim();
    let message = |id, text: String| Message { field: Some(field.to_owned()), id, text };
    if trimmed.is_empty() {
        Err(message(message_id::EMPTY, "must not be empty".into()))
    } else if trimmed.chars().count() > max {
        Err(message(message_id::TOO_LONG, format!("must be at most {max} characters")))
    } else if let Err(message) = single_line(field, trimmed) {
        Err(message)
    } else {
        Ok(trimmed.to_owned())
    }
}

/// Refuses control characters (line breaks, tabs, escapes, NUL, bidi controls
/// such as U+202E): a name or title is one line of text, and such characters
/// rewrite how other people's screens and logs show it.
pub fn single_line(field: &str, value: &str) -> Result<(), Message> {
    let bidi = |c: char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if value.chars().any(|c| c.is_control() || bidi(c)) {
        return Err(Message {
            field: Some(field.to_owned()),
            id: message_id::CONTROL_CHARACTERS,
            text: "must not contain control characters (line breaks, tabs, or text-direction controls)".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused() {
        for value in ["a\nb", "tab\there", "nul\0", "esc\u{1b}[31m", "evil\u{202e}txt.exe"] {
            assert_eq!(bounded_text("title", value, 100).unwrap_err().id, message_id::CONTROL_CHARACTERS, "{value:?}");
        }
        assert_eq!(bounded_text("title", "Ünïcödé — fine ✓", 100).unwrap(), "Ünïcödé — fine ✓");
    }

    #[test]
    fn counts_characters_not_bytes_and_trims() {
        assert_eq!(bounded_text("title", "  é  ", 1).unwrap(), "é");
        assert_eq!(bounded_text("title", "ab", 1).unwrap_err().id, message_id::TOO_LONG);
        assert_eq!(bounded_text("title", " \n ", 10).unwrap_err().id, message_id::EMPTY);
    }
}
