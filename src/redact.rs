//! The one redactor every output path goes through: registered secret values (tokens, client
//! secrets, database passwords) are masked literally, and anything shaped like a Zoho token or a
//! credential-bearing field is masked by pattern, so a secret we never saw is still hidden.

use std::sync::{Arc, LazyLock, RwLock};

use aho_corasick::AhoCorasick;
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
#[derive(Clone, Default)]
pub struct Redactor {
    inner: Arc<RwLock<Registered>>,
}

#[derive(Default)]
struct Registered {
    secrets: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl Redactor {
    pub fn new() -> Self {
        // Compile the patterns now, not on first use inside a panic hook.
        LazyLock::force(&PATTERNS);
        Self::default()
    }

    /// Registers a secret value so every later `redact` masks it wherever it appears.
    pub fn register(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut registered = self
            .inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if registered.secrets.iter().any(|known| known == secret) {
            return;
        }
        registered.secrets.push(secret.to_owned());
        // Longest first, so a secret that contains another is masked whole.
        registered
            .secrets
            .sort_by_key(|known| std::cmp::Reverse(known.len()));
        registered.matcher = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&registered.secrets)
            .ok();
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
        let mut out = {
            let registered = self
                .inner
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match &registered.matcher {
                Some(matcher) => matcher.replace_all(text, &vec![MASK; registered.secrets.len()]),
                None => text.to_owned(),
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secret_is_masked_everywhere_it_appears() {
        let redactor = Redactor::new();
        redactor.register("s3cr3t-value");
        assert_eq!(
            redactor.redact("a s3cr3t-value b s3cr3t-value"),
            "a *** b ***"
        );
    }

    #[test]
    fn short_values_are_not_registered() {
        let redactor = Redactor::new();
        redactor.register("ab");
        assert_eq!(redactor.redact("ab cab"), "ab cab");
    }

    #[test]
    fn zoho_token_shape_is_masked_without_registration() {
        let token = format!("1000.{}.{}", "ab12".repeat(8), "cd34".repeat(8));
        let out = Redactor::new().redact(&format!("token {token} end"));
        assert_eq!(out, "token 1000.*** end");
    }

    #[test]
    fn tokens_after_their_scheme_are_masked_anywhere() {
        let redactor = Redactor::new();
        assert_eq!(
            redactor.redact("Authorization: Zoho-oauthtoken abcdef123456"),
            "Authorization: Zoho-oauthtoken ***"
        );
        assert_eq!(
            redactor.redact("sent Bearer eyJhbGciOi.x.y now"),
            "sent Bearer *** now"
        );
    }

    #[test]
    fn credential_fields_are_masked_in_every_notation() {
        let redactor = Redactor::new();
        let cases = [
            (
                "client_secret=xyz123&grant_type=refresh_token",
                "client_secret=***&grant_type=refresh_token",
            ),
            (
                r#"{"refresh_token": "abc", "x": 1}"#,
                r#"{"refresh_token": "***", "x": 1}"#,
            ),
            (r#"{"refreshToken":"abc"}"#, r#"{"refreshToken":"***"}"#),
            ("{'access_token': 'abc'}", "{'access_token': '***'}"),
            ("client_secret: abc", "client_secret: ***"),
            ("client_secret = abc", "client_secret = ***"),
            ("PGPASSWORD=hunter2 psql", "PGPASSWORD=*** psql"),
            ("db_password=hunter2", "db_password=***"),
            (r#"{"id_token":"abc"}"#, r#"{"id_token":"***"}"#),
        ];
        for (text, expected) in cases {
            assert_eq!(redactor.redact(text), expected, "{text}");
        }
    }

    #[test]
    fn url_password_is_masked() {
        let redactor = Redactor::new();
        assert_eq!(
            redactor.redact("cannot reach postgres://app:hunter2@db:5432/x"),
            "cannot reach postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redactor.redact("store postgres://app:pa/ss-Secret9@127.0.0.1:1/x failed"),
            "store postgres://app:***@127.0.0.1:1/x failed"
        );
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let redactor = Redactor::new();
        redactor.register("abcdef");
        redactor.register("abcdefghij");
        assert_eq!(redactor.redact("abcdefghij"), "***");
    }
}
