//! Text that did not come from zoho-doctor, made safe to show: control and bidi characters as
//! `\u{…}` (no colour code, title change, bell or right-to-left override from Zoho reaches a
//! terminal or a CI page), and long echoes cut. The bottom layer: it imports nothing, and every
//! output edge (table, JUnit, `-v` trace, error messages) may use it; JSON keeps exact values.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal or a CI log as is: C0 controls (newline and tab
/// included), DEL, C1 controls, and the invisible marks that reorder text (ALM, LRM, RLM, the
/// bidi embeddings, overrides and isolates).
pub fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// One value shown on one line: every hostile character, a newline included, as `\u{…}`.
pub fn safe(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// Lines zoho-doctor joined with `\n` (an error chain): its newlines kept, every other hostile
/// character, a carriage return included, as `\u{…}`.
pub fn safe_lines(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hostile(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hostile(c) && !keep(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to its first `max` characters, then `… and N more characters`.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let more = text[end..].chars().count();
            Cow::Owned(format!("{}… and {more} more characters", &text[..end]))
        }
    }
}

/// A value the user gave, echoed in a message: made safe and cut to `max` characters.
pub fn echo(text: &str, max: usize) -> String {
    safe(&clip(text, max)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_marks_are_escaped_and_the_rest_kept() {
        let hostile = "a\u{1b}[31mred\u{7}\u{0}\u{8}\r\n\t\u{7f}\u{85}\u{9b}\u{61c}\u{200e}\u{200f}\u{202a}\u{202e}\u{2066}\u{2069}z";
        assert_eq!(
            safe(hostile),
            r"a\u{1b}[31mred\u{7}\u{0}\u{8}\u{d}\u{a}\u{9}\u{7f}\u{85}\u{9b}\u{61c}\u{200e}\u{200f}\u{202a}\u{202e}\u{2066}\u{2069}z"
        );
        let plain = "Ada Lovelace · Zoë · 日本 · ← 200 (3 ms) · \u{200d}";
        assert!(matches!(safe(plain), Cow::Borrowed(_)), "nothing to escape");
        assert_eq!(safe(plain), plain);
    }

    #[test]
    fn safe_lines_keeps_newlines_only() {
        assert_eq!(
            safe_lines("one\ntwo\r\u{1b}]0;title\u{7}"),
            "one\ntwo\\u{d}\\u{1b}]0;title\\u{7}"
        );
    }

    #[test]
    fn clip_cuts_at_a_character_and_says_how_much_is_left() {
        assert_eq!(clip("short", 5), "short");
        assert_eq!(clip("ééééé-tail", 5), "ééééé… and 5 more characters");
        assert_eq!(
            echo(&format!("\u{1b}{}", "x".repeat(200)), 3),
            r"\u{1b}xx… and 198 more characters"
        );
    }
}
