//! The one redactor every output path goes through: registered secret values (tokens, client
//! secrets, database passwords) are masked as written and in their encoded forms (base64,
//! percent-encoding, JSON escapes), and anything shaped like a Zoho token or a credential-bearing
//! field is masked by pattern, so a secret we never saw is still hidden.
//!
//! Scopes keep registering cheap however many connections a run has: the run's redactor holds
//! the run's secrets; `for_connection` gives each connection its own small scope over them, so a
//! connection's outputs are redacted with the run's secrets, its own and the patterns, and never
//! wait for a matcher over the whole fleet's. Each scope compiles its matcher when it next
//! redacts after a registration.

use std::{
    collections::HashSet,
    sync::{Arc, LazyLock, RwLock},
};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD},
};
use regex::Regex;
use secrecy::{ExposeSecret, SecretString};

/// What a masked value is replaced with.
pub const MASK: &str = "***";

/// Secrets shorter than this are not registered: masking every "1" or "ab" in a report would
/// destroy it, and such values are not credentials anyway.
const MIN_SECRET_LEN: usize = 6;

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Zoho access/refresh tokens and grant codes: `1000.<hex>.<hex>`.
        (r"1000\.[0-9A-Za-z]{6,}\.[0-9A-Za-z]{6,}", "1000.***"),
        // A token after its scheme, wherever it stands: `Zoho-oauthtoken …`, `Bearer …`.
        (r"(?i)\b(zoho-oauthtoken|bearer)\s+[^\s\x22',;]+", "${1} ***"),
        // Credential fields in forms, queries, JSON, YAML, env and Python dicts:
        // `client_secret=…`, `"refreshToken": "…"`, `PGPASSWORD=…`, `db_password: …`.
        (
            r"(?i)((?:client_?secret|refresh_?token|access_?token|id_?token|[a-z_]*password|passwd)[\x22']?\s*[:=]\s*[\x22']?)[^\x22'&\s,;}]+",
            "${1}***",
        ),
        // Passwords in URLs, `/` and all: `postgres://user:secret@host/db`.
        (r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^\s@]+@", "${1}***@"),
    ]
    .into_iter()
    .map(|(pattern, replacement)| (Regex::new(pattern).expect("redaction pattern"), replacement))
    .collect()
});

/// Masks secrets in text. Cheap to clone; clones share the registered secrets.
///
/// The run's redactor (`new`) masks the run's secrets in every form, every connection's secret as
/// written (a last line of defence for errors and panics printed outside any connection) and the
/// patterns. A connection's redactor (`for_connection`) masks the run's secrets and its own, in
/// every form, and the patterns; registering on it touches only its own scope.
#[derive(Clone)]
pub struct Redactor {
    /// The run's secrets (environment, store passwords): every redactor of the run masks them.
    run: Arc<Scope>,
    /// Every connection's secrets as written: only the run's redactor reads them.
    fleet: Arc<Scope>,
    /// This connection's secrets; `None` for the run's redactor.
    connection: Option<Arc<Scope>>,
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

impl Redactor {
    pub fn new() -> Self {
        // Compile the patterns now, not on first use inside a panic hook.
        LazyLock::force(&PATTERNS);
        Redactor {
            run: Arc::new(Scope::new(Forms::Encoded)),
            fleet: Arc::new(Scope::new(Forms::AsWritten)),
            connection: None,
        }
    }

    /// A redactor for one connection's outputs: the run's secrets (shared, not copied), a scope
    /// of its own for the connection's secrets, and the patterns.
    pub fn for_connection(&self) -> Redactor {
        Redactor {
            run: Arc::clone(&self.run),
            fleet: Arc::clone(&self.fleet),
            connection: Some(Arc::new(Scope::new(Forms::Encoded))),
        }
    }

    /// Registers a secret value so every later `redact` masks it wherever it appears, in any of
    /// its encoded forms: in the connection's scope for a connection's redactor, else the run's.
    pub fn register(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        match &self.connection {
            Some(connection) => {
                connection.add(secret);
                self.fleet.add(secret);
            }
            None => self.run.add(secret),
        }
    }

    pub fn register_secret(&self, secret: &SecretString) {
        self.register(secret.expose_secret());
    }

    /// Registers every secret of a scope (the run's, or one connection's).
    pub fn register_all<'a>(&self, secrets: impl IntoIterator<Item = &'a SecretString>) {
        for secret in secrets {
            self.register_secret(secret);
        }
    }

    /// Returns `text` with every registered secret and every credential-shaped value masked.
    pub fn redact(&self, text: &str) -> String {
        let own = self.connection.as_ref().unwrap_or(&self.fleet);
        let matchers: Vec<Arc<Matcher>> = [&self.run, own]
            .into_iter()
            .filter_map(|scope| scope.matcher())
            .collect();
        let mut out = if matchers.is_empty() {
            text.to_owned()
        } else {
            mask(text, &matchers)
        };
        for (pattern, replacement) in PATTERNS.iter() {
            if pattern.is_match(&out) {
                out = pattern.replace_all(&out, *replacement).into_owned();
            }
        }
        out
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor { .. }")
    }
}

/// Which needles a scope looks for.
#[derive(Clone, Copy)]
enum Forms {
    /// The secret as written and every encoded form (`needles`).
    Encoded,
    /// The secret as written only: the fleet-wide fallback stays small.
    AsWritten,
}

/// One scope's secrets and the matcher compiled from them.
struct Scope {
    forms: Forms,
    state: RwLock<ScopeState>,
}

#[derive(Default)]
struct ScopeState {
    known: HashSet<String>,
    /// Encoded scopes only: an as-written scope's needles are `known` itself.
    needles: Vec<Needle>,
    matcher: Option<Arc<Matcher>>,
    /// A secret was added since `matcher` was compiled.
    stale: bool,
}

impl Scope {
    fn new(forms: Forms) -> Self {
        Scope {
            forms,
            state: RwLock::default(),
        }
    }

    /// Adds a secret; the matcher is recompiled when this scope next redacts.
    fn add(&self, secret: &str) {
        let mut state = self
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !state.known.insert(secret.to_owned()) {
            return;
        }
        // As written, a secret's one needle is the secret itself: `known` holds it, and a second
        // copy of every connection's secrets would double the fleet scope, the one that grows
        // with the fleet.
        if let Forms::Encoded = self.forms {
            state.needles.extend(needles(secret));
        }
        state.stale = true;
    }

    fn matcher(&self) -> Option<Arc<Matcher>> {
        {
            let state = self
                .state
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !state.stale {
                return state.matcher.clone();
            }
        }
        let mut state = self
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.stale {
            let matcher = match self.forms {
                Forms::Encoded => Matcher::build(
                    state
                        .needles
                        .iter()
                        .map(|needle| (needle.text.as_str(), needle.base64)),
                ),
                Forms::AsWritten => {
                    Matcher::build(state.known.iter().map(|secret| (secret.as_str(), false)))
                }
            };
            state.matcher = matcher.map(Arc::new);
            state.stale = false;
        }
        state.matcher.clone()
    }
}

/// One string that betrays a secret, and whether a hit spreads to the base64 token around it.
struct Needle {
    text: String,
    base64: bool,
}

/// Every needle of one secret: as written; base64, standard and URL-safe, the characters that
/// encode the secret alone at each of the three byte alignments, so that a hit, widened to the
/// whole base64 token (`Matcher::spans`), masks the secret's encoding with or without padding,
/// alone or inside a longer value such as `Basic base64(client_id:secret)`; percent-encoded with
/// `+` and with `%20` for spaces; JSON with `/` as `\/` and with every other character as
/// `\u00xx`. Other spellings (lower-case hex, some characters escaped and others not) are found by
/// decoding the text (`Decoded`).
fn needles(secret: &str) -> Vec<Needle> {
    let bytes = secret.as_bytes();
    let mut found: Vec<Needle> = Vec::new();
    let mut add = |text: String, base64: bool| {
        if text.len() >= MIN_SECRET_LEN && !found.iter().any(|known| known.text == text) {
            found.push(Needle { text, base64 });
        }
    };
    add(secret.to_owned(), false);
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        for offset in 0..3 {
            // The characters whose six bits all come from the secret, placed `offset` bytes into
            // a three-byte group. At offset 0 that is the secret's own encoding but for its last
            // character; the hit widens to it and the padding.
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(bytes);
            let encoded = engine.encode(&shifted);
            let (start, end) = ((8 * offset).div_ceil(6), 8 * shifted.len() / 6);
            add(encoded[start..end].to_owned(), true);
        }
    }
    add(url::form_urlencoded::byte_serialize(bytes).collect(), false);
    add(percent_encoded(bytes), false);
    add(json_escaped(secret, false), false);
    add(json_escaped(secret, true), false);
    found
}

/// RFC 3986 percent-encoding: everything but the unreserved characters, a space as `%20`.
fn percent_encoded(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A JSON string's content: `"`, `\` and `/` escaped as `\"`, `\\` and `\/`, control characters
/// as `\u` escapes; with `unicode`, every character but ASCII letters and digits as `\u` escapes
/// (UTF-16, lower-case hex).
fn json_escaped(secret: &str, unicode: bool) -> String {
    let mut out = String::with_capacity(secret.len() * 2);
    for c in secret.chars() {
        match c {
            c if c.is_control() || (unicode && !c.is_ascii_alphanumeric()) => {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            '"' | '\\' | '/' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// One scope's compiled needles.
struct Matcher {
    automaton: AhoCorasick,
    /// By pattern id: whether a hit spreads to the base64 token around it.
    base64: Vec<bool>,
}

impl Matcher {
    /// From each needle's text and whether a hit spreads over base64; `None` without needles.
    fn build<'a>(needles: impl Iterator<Item = (&'a str, bool)>) -> Option<Matcher> {
        let (texts, base64): (Vec<&str>, Vec<bool>) = needles.unzip();
        if texts.is_empty() {
            return None;
        }
        // Standard semantics for overlapping search: every occurrence of every needle is masked,
        // so a secret overlapping or containing another is masked whole.
        // A plain NFA: compiled in microseconds, where a DFA (the default for few needles)
        // takes long enough to show when every connection compiles its own.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::NoncontiguousNFA))
            .match_kind(MatchKind::Standard)
            .build(texts)
            .ok()?;
        Some(Matcher { automaton, base64 })
    }

    /// Every span of `haystack` a needle covers, widened over base64 tokens.
    fn spans(&self, haystack: &[u8], mut found: impl FnMut(usize, usize)) {
        for hit in self.automaton.find_overlapping_iter(haystack) {
            let (mut start, mut end) = (hit.start(), hit.end());
            if self.base64[hit.pattern().as_usize()] {
                let base64 = |byte: u8| byte.is_ascii_alphanumeric() || b"+/-_".contains(&byte);
                while start > 0 && base64(haystack[start - 1]) {
                    start -= 1;
                }
                while end < haystack.len() && base64(haystack[end]) {
                    end += 1;
                }
                while end < haystack.len() && haystack[end] == b'=' {
                    end += 1;
                }
            }
            found(start, end);
        }
    }
}

/// `text` with every span any matcher finds (as written, JSON-unescaped or percent-decoded)
/// replaced by the mask; overlapping and adjacent spans become one mask.
fn mask(text: &str, matchers: &[Arc<Matcher>]) -> String {
    let raw = text.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for matcher in matchers {
        matcher.spans(raw, |start, end| spans.push((start, end)));
    }
    let views = [
        raw.contains(&b'\\').then(|| Decoded::json(raw)),
        raw.iter()
            .any(|byte| matches!(byte, b'%' | b'+'))
            .then(|| Decoded::percent(raw)),
    ];
    for view in views.iter().flatten() {
        for matcher in matchers {
            matcher.spans(&view.bytes, |start, end| {
                spans.push(view.source(start, end))
            });
        }
    }
    if spans.is_empty() {
        return text.to_owned();
    }
    for (start, end) in &mut spans {
        while !text.is_char_boundary(*start) {
            *start -= 1;
        }
        while !text.is_char_boundary(*end) {
            *end += 1;
        }
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut written = 0;
    let mut masked = |out: &mut String, (start, end): (usize, usize)| {
        out.push_str(&text[written..start]);
        out.push_str(MASK);
        written = end;
    };
    let mut current: Option<(usize, usize)> = None;
    for (start, end) in spans {
        match &mut current {
            Some((_, current_end)) if start <= *current_end => {
                *current_end = (*current_end).max(end);
            }
            _ => {
                if let Some(span) = current.replace((start, end)) {
                    masked(&mut out, span);
                }
            }
        }
    }
    if let Some(span) = current {
        masked(&mut out, span);
    }
    out.push_str(&text[written..]);
    out
}

/// A text with one kind of escape decoded; each decoded byte remembers the bytes of the text it
/// came from, so a secret found here is masked where it was written.
struct Decoded {
    bytes: Vec<u8>,
    from: Vec<(usize, usize)>,
}

impl Decoded {
    fn with_capacity(capacity: usize) -> Self {
        Decoded {
            bytes: Vec::with_capacity(capacity),
            from: Vec::with_capacity(capacity),
        }
    }

    fn push(&mut self, bytes: &[u8], from: (usize, usize)) {
        self.bytes.extend_from_slice(bytes);
        self.from.extend(std::iter::repeat_n(from, bytes.len()));
    }

    /// The span of the original text behind decoded bytes `start..end`.
    fn source(&self, start: usize, end: usize) -> (usize, usize) {
        (self.from[start].0, self.from[end - 1].1)
    }

    /// `%XX` (either case) as its byte, `+` as a space.
    fn percent(text: &[u8]) -> Decoded {
        let mut out = Decoded::with_capacity(text.len());
        let mut at = 0;
        while at < text.len() {
            let escaped = (text[at] == b'%')
                .then(|| Some(hex(*text.get(at + 1)?)? * 16 + hex(*text.get(at + 2)?)?))
                .flatten();
            match (escaped, text[at]) {
                (Some(byte), _) => {
                    out.push(&[byte], (at, at + 3));
                    at += 3;
                }
                (None, b'+') => {
                    out.push(b" ", (at, at + 1));
                    at += 1;
                }
                (None, byte) => {
                    out.push(&[byte], (at, at + 1));
                    at += 1;
                }
            }
        }
        out
    }

    /// JSON string escapes (`\"`, `\\`, `\/`, `\n` …, `\uXXXX` and surrogate pairs) as the
    /// characters they stand for; anything else as written.
    fn json(text: &[u8]) -> Decoded {
        let mut out = Decoded::with_capacity(text.len());
        let mut at = 0;
        while at < text.len() {
            match json_escape(&text[at..]) {
                Some((c, used)) => {
                    out.push(c.encode_utf8(&mut [0; 4]).as_bytes(), (at, at + used));
                    at += used;
                }
                None => {
                    out.push(&text[at..=at], (at, at + 1));
                    at += 1;
                }
            }
        }
        out
    }
}

fn hex(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// The JSON escape `text` starts with: the character and how many bytes it took.
fn json_escape(text: &[u8]) -> Option<(char, usize)> {
    if text.first() != Some(&b'\\') {
        return None;
    }
    let simple = match text.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = |at: usize| -> Option<u32> {
                let digits = text.get(at..at + 4)?;
                digits
                    .iter()
                    .try_fold(0, |value, &digit| Some(value * 16 + u32::from(hex(digit)?)))
            };
            let first = unit(2)?;
            if !(0xD800..0xDC00).contains(&first) {
                return char::from_u32(first).map(|c| (c, 6));
            }
            if text.get(6..8) != Some(b"\\u".as_slice()) {
                return None;
            }
            let second = unit(8).filter(|low| (0xDC00..0xE000).contains(low))?;
            let c = char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))?;
            return Some((c, 12));
        }
        _ => return None,
    };
    Some((simple, 2))
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
