//! Where the browser may be sent after signing in: a path on this site, never another origin.
//!
//! Browsers are lenient with what follows the first `/`: they read `//host` and `/\host` as another
//! host, drop tabs and line breaks (`/\t/host` becomes `//host`), and some decode `%2F`/`%5C` before
//! deciding. So a target is kept only if it, and every percent-decoding of it, is a plain absolute
//! path with no backslash and no control character.

/// Longer targets are refused rather than trimmed (a trimmed path is not the one asked for).
pub const MAX_NEXT_CHARS: usize = 512;

/// `next` if it is a same-origin path (with its query string and fragment), else `None`.
pub fn same_origin_path(next: &str) -> Option<&str> {
    if next.is_empty() || next.len() > MAX_NEXT_CHARS {
        return None;
    }
    let mut form = next.to_owned();
    // Three rounds see through double and triple encoding; a target needing more is refused outright.
    for _ in 0..3 {
        if !is_plain_path(&form) {
            return None;
        }
        match percent_decode(&form) {
            Some(decoded) if decoded == form => return Some(next),
            Some(decoded) => form = decoded,
            None => return None,
        }
    }
    None
}

fn is_plain_path(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/'))
        && !s.chars().any(|c| c == '\\' || c.is_control() || is_invisible_or_bidi(c))
}

/// Characters a browser may drop or that make the address shown differ from the one followed.
fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// One round of percent-decoding; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn console_paths_with_query_strings_and_fragments_are_kept() {
        for path in [
            "/clusters",
            "/clusters/pc-bp1orders0001?tab=backups",
            "/audit?action=SignIn&from=2026-11-01#top",
            "/",
            "/shared-backups?region=cn%2Dhangzhou",
        ] {
            assert_eq!(same_origin_path(path), Some(path), "{path}");
        }
    }

    #[test]
    fn an_encoded_slash_inside_a_query_value_is_kept() {
        assert_eq!(same_origin_path("/clusters?next=%2Fquota"), Some("/clusters?next=%2Fquota"));
    }

    #[test]
    fn protocol_relative_targets_are_refused() {
        assert_eq!(same_origin_path("//evil.example"), None);
        assert_eq!(same_origin_path("//evil.example/clusters"), None);
    }

    #[test]
    fn a_backslash_anywhere_is_refused() {
        assert_eq!(same_origin_path("/\\evil.example"), None);
        assert_eq!(same_origin_path("/clusters\\x"), None);
    }

    #[test]
    fn a_tab_or_line_break_that_browsers_drop_is_refused() {
        assert_eq!(same_origin_path("/\t/evil.example"), None);
        assert_eq!(same_origin_path("/\n/evil.example"), None);
        assert_eq!(same_origin_path("/\r/evil.example"), None);
        assert_eq!(same_origin_path("/clusters\u{7f}"), None);
    }

    #[test]
    fn encoded_slashes_backslashes_and_control_characters_are_refused() {
        assert_eq!(same_origin_path("/%2f/evil.example"), None);
        assert_eq!(same_origin_path("/%2F%2Fevil.example"), None);
        assert_eq!(same_origin_path("%2F%2Fevil.example"), None);
        assert_eq!(same_origin_path("/%5cevil.example"), None);
        assert_eq!(same_origin_path("/%09/evil.example"), None);
        assert_eq!(same_origin_path("/clusters%00"), None);
    }

    #[test]
    fn double_encoded_variants_are_refused() {
        assert_eq!(same_origin_path("/%252f/evil.example"), None);
        assert_eq!(same_origin_path("/%255c/evil.example"), None);
        assert_eq!(same_origin_path("/%2509/evil.example"), None);
    }

    #[test]
    fn absolute_urls_and_other_schemes_are_refused() {
        for target in [
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "data:text/html,x",
            " /clusters",
        ] {
            assert_eq!(same_origin_path(target), None, "{target}");
        }
    }

    #[test]
    fn malformed_escapes_and_non_utf8_bytes_are_refused() {
        assert_eq!(same_origin_path("/clusters%"), None);
        assert_eq!(same_origin_path("/clusters%zz"), None);
        assert_eq!(same_origin_path("/clusters%ff"), None);
    }

    #[test]
    fn invisible_and_bidi_override_characters_are_refused() {
        assert_eq!(same_origin_path("/clusters\u{202E}"), None);
        assert_eq!(same_origin_path("/\u{200B}/evil.example"), None);
    }

    #[test]
    fn empty_and_over_long_targets_are_refused() {
        assert_eq!(same_origin_path(""), None);
        let long = format!("/{}", "a".repeat(512));
        assert_eq!(same_origin_path(&long), None);
    }
}
