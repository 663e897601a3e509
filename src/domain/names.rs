//! What every name a user types must be, whatever it names (a resource share, a folder, a restored
//! cluster, a RAM user) and whatever else its own field allows: visible text. Control characters (NUL,
//! escape, ...) are refused, bidirectional overrides and isolates (which make a name display reversed,
//! "gnp.exe" for "exe.png") are refused, and so is a value made only of invisible characters (a lone
//! zero-width space looks empty in every list). Free text (a ticket's message) is held to the same
//! rule, except that it may break lines and use tabs.
//!
//! Each field keeps its own length and character rules on top; this is the part they share, so the
//! same input is refused with the same code (`InvalidParameter.Name`) and a sentence naming the field.

use std::fmt;

/// Which field a name was typed into; its label goes into the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameField {
    ResourceShareName,
    FolderName,
    ClusterName,
    RamUserName,
    TicketMessage,
}

impl NameField {
    pub fn label(self) -> &'static str {
        match self {
            NameField::ResourceShareName => "resource share name",
            NameField::FolderName => "folder name",
            NameField::ClusterName => "cluster name",
            NameField::RamUserName => "user name",
            NameField::TicketMessage => "message",
        }
    }

    /// Multi-line free text may contain line breaks and tabs; a name is one line.
    fn is_free_text(self) -> bool {
        matches!(self, NameField::TicketMessage)
    }
}

/// Why a typed value is not acceptable visible text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("The {} contains a control character ({}); use visible characters only.", field.label(), codepoint(*found))]
    ControlCharacter { field: NameField, found: char },
    #[error("The {} contains a bidirectional text control ({}), which would make it display in a different order than it was typed.", field.label(), codepoint(*found))]
    BidiControl { field: NameField, found: char },
    #[error("The {} is made only of invisible characters; enter visible text.", field.label())]
    InvisibleOnly { field: NameField },
}

impl NameError {
    /// Every one is malformed input (a name already taken is the well-formed `Refusal::NameInUse`).
    pub fn code(&self) -> &'static str {
        match self {
            NameError::ControlCharacter { .. } | NameError::BidiControl { .. } | NameError::InvisibleOnly { .. } => {
                "InvalidParameter.Name"
            }
        }
    }
}

fn codepoint(c: char) -> impl fmt::Display {
    format!("U+{:04X}", c as u32)
}

/// Embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069): they reorder how text displays.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character (line breaks, tabs, ANSI escapes, DEL, C1) and bidirectional
/// control written as its escape (`\u{1b}`), for text that is stored to be shown as it was received
/// rather than judged (what a caller typed, in the audit trail): shown on a page, in a CSV read as
/// lines or in a terminal, it can't start a line, recolour or reorder anything. A `\` stays as it is,
/// so an escape in the text itself can't be told from one made here: the trail shows what was typed,
/// not proof of it.
pub fn visible_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c.is_control() || is_bidi_control(c);
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars().map(|c| if hidden(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect(),
    )
}

/// Characters that take no visible space: zero-width space/joiners, word joiner, the BOM, soft hyphen,
/// the left-to-right and right-to-left marks, the Hangul and Braille blanks, and ordinary white space.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{034F}' | '\u{115F}' | '\u{1160}'
                | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{180E}'
        )
}

/// Checks that `raw` is visible text for `field` and returns it without surrounding white space (a
/// typing accident, not part of the name). An empty value passes: whether a field may be empty is its
/// own rule.
pub fn check_visible_text(field: NameField, raw: &str) -> Result<&str, NameError> {
    let value = raw.trim();
    for c in value.chars() {
        let allowed_break = field.is_free_text() && matches!(c, '\n' | '\r' | '\t');
        if c.is_control() && !allowed_break {
            return Err(NameError::ControlCharacter { field, found: c });
        }
        if is_bidi_control(c) {
            return Err(NameError::BidiControl { field, found: c });
        }
    }
    if !value.is_empty() && value.chars().all(is_invisible) {
        return Err(NameError::InvisibleOnly { field });
    }
    Ok(value)
}

/// A name must not repeat one of `existing` (the names it would sit beside, e.g. the folders under
/// the same parent). Compared as typed, after trimming, like the real console.
pub fn check_name_unused<'a>(
    field: NameField,
    name: &str,
    existing: impl IntoIterator<Item = &'a str>,
    scope: &'static str,
) -> Result<(), super::Refusal> {
    if existing.into_iter().any(|e| e.trim() == name) {
        return Err(super::Refusal::NameInUse { field, name: name.chars().take(64).collect(), scope });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FOLDER: NameField = NameField::FolderName;

    #[test]
    fn control_and_bidi_characters_are_written_as_their_escapes() {
        assert_eq!(visible_escapes("a\nb\r\tc"), r"a\u{a}b\u{d}\u{9}c");
        assert_eq!(visible_escapes("\u{1b}[31mred\u{7f}\u{85}"), r"\u{1b}[31mred\u{7f}\u{85}");
        assert_eq!(visible_escapes("abc\u{202e}fed\u{2066}"), r"abc\u{202e}fed\u{2066}");
    }

    #[test]
    fn visible_text_is_kept_as_it_is_without_a_copy() {
        for text in ["owner", "分析团队 Équipe", r"a\u{a}", "rs-1 -> name", ""] {
            assert!(matches!(visible_escapes(text), std::borrow::Cow::Borrowed(t) if t == text), "{text}");
        }
    }

    #[test]
    fn an_ordinary_name_passes_trimmed() {
        assert_eq!(check_visible_text(FOLDER, "  Analytics 2026 "), Ok("Analytics 2026"));
    }

    #[test]
    fn chinese_and_accented_letters_are_visible_text() {
        assert!(check_visible_text(FOLDER, "分析团队 Équipe").is_ok());
    }

    #[test]
    fn a_nul_character_is_refused_as_a_control_character() {
        let err = check_visible_text(FOLDER, "a\0b").unwrap_err();
        assert_eq!(err, NameError::ControlCharacter { field: FOLDER, found: '\0' });
        assert_eq!(err.code(), "InvalidParameter.Name");
        assert!(err.to_string().contains("U+0000"), "{err}");
        assert!(err.to_string().contains("folder name"), "{err}");
    }

    #[test]
    fn escape_delete_and_c1_controls_are_refused() {
        for bad in ["a\u{1B}[31m", "x\u{7F}", "y\u{85}z", "line\nbreak"] {
            assert_eq!(check_visible_text(FOLDER, bad).unwrap_err().code(), "InvalidParameter.Name", "{bad:?}");
        }
    }

    #[test]
    fn a_right_to_left_override_is_refused() {
        let err = check_visible_text(NameField::ResourceShareName, "report\u{202E}fdp.exe").unwrap_err();
        assert_eq!(err, NameError::BidiControl { field: NameField::ResourceShareName, found: '\u{202E}' });
        assert!(err.to_string().contains("U+202E"));
    }

    #[test]
    fn every_embedding_override_and_isolate_is_refused() {
        for c in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            let value = format!("a{c}b");
            assert!(
                matches!(check_visible_text(FOLDER, &value), Err(NameError::BidiControl { .. })),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn a_lone_zero_width_space_is_invisible_only() {
        assert_eq!(check_visible_text(FOLDER, "\u{200B}"), Err(NameError::InvisibleOnly { field: FOLDER }));
        assert_eq!(
            check_visible_text(FOLDER, " \u{200B}\u{FEFF}\u{2060} ").unwrap_err().code(),
            "InvalidParameter.Name"
        );
    }

    #[test]
    fn a_zero_width_joiner_inside_visible_text_is_allowed() {
        // Emoji sequences and some scripts need joiners between visible characters.
        assert!(check_visible_text(FOLDER, "a\u{200D}b").is_ok());
    }

    #[test]
    fn an_empty_value_is_left_to_the_field_s_own_rule() {
        assert_eq!(check_visible_text(FOLDER, "   "), Ok(""));
    }

    #[test]
    fn free_text_may_break_lines_and_use_tabs_but_not_other_controls() {
        let message = NameField::TicketMessage;
        assert!(check_visible_text(message, "first line\r\n\tsecond line").is_ok());
        assert_eq!(check_visible_text(message, "bell\u{7}").unwrap_err().code(), "InvalidParameter.Name");
        assert_eq!(
            check_visible_text(message, "\u{200B}\n\u{200B}").unwrap_err(),
            NameError::InvisibleOnly { field: message }
        );
    }

    #[test]
    fn a_name_already_used_beside_it_is_a_duplicate() {
        let err = check_name_unused(FOLDER, "Analytics", ["QA", "Analytics"], "in this parent folder").unwrap_err();
        assert_eq!((err.code(), err.kind().http_status()), ("EntityAlreadyExists.Name", 409));
        assert!(err.to_string().contains("\"Analytics\" already exists in this parent folder"), "{err}");
    }

    #[test]
    fn a_name_differing_in_case_is_not_a_duplicate() {
        assert!(check_name_unused(FOLDER, "analytics", ["Analytics"], "in this parent folder").is_ok());
    }

    proptest! {
        /// Whatever the escapes leave holds no control or bidi character, and only grows the text.
        #[test]
        fn escaped_text_holds_no_control_or_bidi_character(text in any::<String>()) {
            let shown = visible_escapes(&text);
            prop_assert!(!shown.chars().any(|c| c.is_control() || is_bidi_control(c)));
            prop_assert!(shown.len() >= text.len());
        }

        /// Whatever is accepted holds no control or bidi character and at least one visible one.
        #[test]
        fn accepted_names_are_visible_and_clean(s in "\\PC{0,20}|[\\x00-\\x1F\u{200B}\u{202A}-\u{202E}\u{2066}-\u{2069} a-z]{0,12}") {
            if let Ok(value) = check_visible_text(FOLDER, &s) {
                prop_assert!(!value.chars().any(|c| c.is_control() || is_bidi_control(c)));
                prop_assert!(value.is_empty() || value.chars().any(|c| !is_invisible(c)));
            }
        }
    }
}
