//! The redactor's tests: registered secrets, patterns, encoded forms, connection scopes, and
//! property tests (a registered secret in arbitrary text, in any encoded form, never survives).

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
};
use proptest::prelude::*;

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

#[test]
fn overlapping_secrets_are_masked_together() {
    let redactor = Redactor::new();
    redactor.register("abcdef");
    redactor.register("defghi");
    assert_eq!(redactor.redact("x abcdefghi y"), "x *** y");
}

// Item 11: encoded forms.

/// A secret with the characters encoders treat specially: `/`, `+`, a space, `&`, `"`, non-ASCII.
const AWKWARD: &str = "s3/cr+t &\"pé";

#[test]
fn base64_of_the_secret_is_masked_in_all_four_alphabets() {
    let redactor = Redactor::new();
    redactor.register(AWKWARD);
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        let encoded = engine.encode(AWKWARD);
        assert_eq!(
            redactor.redact(&format!("echo [{encoded}] end")),
            "echo [***] end",
            "{encoded}"
        );
    }
}

#[test]
fn a_basic_header_carrying_the_secret_is_masked() {
    let redactor = Redactor::new();
    redactor.register("client-secret-42");
    for id in ["1000.CLIENT", "id", "i"] {
        let header = STANDARD.encode(format!("{id}:client-secret-42"));
        assert_eq!(
            redactor.redact(&format!("Authorization: Basic {header}\n")),
            "Authorization: Basic ***\n",
            "{id}"
        );
    }
}

#[test]
fn percent_encoded_secrets_are_masked_with_plus_or_percent_20_and_either_hex_case() {
    let redactor = Redactor::new();
    redactor.register(AWKWARD);
    for body in [
        "client_secret=s3%2Fcr%2Bt+%26%22p%C3%A9&z=1",
        "q=s3%2Fcr%2Bt%20%26%22p%C3%A9&z=1",
        "q=s3%2fcr%2bt%20%26%22p%c3%a9&z=1",
        "q=s3/cr%2Bt%20&%22pé&z=1",
    ] {
        let out = redactor.redact(body).replace("client_secret=", "q=");
        assert_eq!(out, "q=***&z=1", "{body}");
    }
}

#[test]
fn json_escaped_secrets_are_masked() {
    let redactor = Redactor::new();
    redactor.register("pass/word+2\"x");
    for body in [
        r#"{"echo":"pass\/word+2\"x"}"#,
        r#"{"echo":"pass\u002fword\u002b2\u0022x"}"#,
        r#"{"echo":"pass\u002Fword+2\"x"}"#,
        r#"{"echo":"\u0070ass\/word+2\"x"}"#,
    ] {
        assert_eq!(redactor.redact(body), r#"{"echo":"***"}"#, "{body}");
    }
    let redactor = Redactor::new();
    redactor.register("emoji😀secret");
    assert_eq!(redactor.redact(r#""emoji\ud83d\ude00secret""#), r#""***""#);
}

#[test]
fn encoded_forms_are_masked_whatever_stands_before_them() {
    // Decoding from the left reads `%4a` and `\\` first, and then never sees the secret: the
    // encoded forms are looked for as written too.
    let redactor = Redactor::new();
    redactor.register("ab/c def");
    assert_eq!(redactor.redact("%4ab%2Fc%20def"), "%4***");
    assert_eq!(redactor.redact("%4ab%2Fc+def"), "%4***");
    redactor.register("/abc def");
    assert_eq!(redactor.redact(r"\\u002fabc\u0020def"), r"\***");
}

#[test]
fn decoding_does_not_mask_what_is_not_the_secret() {
    let redactor = Redactor::new();
    redactor.register("abc/defgh");
    let text = r#"abc\/defgX %61bc%2Fdefg and abc def"#;
    assert_eq!(redactor.redact(text), text);
}

// Item 12: connection scopes.

#[test]
fn a_connection_masks_the_runs_secrets_and_its_own() {
    let run = Redactor::new();
    run.register("run-secret-1");
    let connection = run.for_connection();
    connection.register("connection-secret-1");
    assert_eq!(
        connection.redact("run-secret-1 connection-secret-1"),
        "*** ***"
    );
    // A run secret registered later reaches connections already made.
    run.register("run-secret-2");
    assert_eq!(connection.redact("run-secret-2"), "***");
}

#[test]
fn registering_on_a_connection_stays_in_that_connection() {
    let run = Redactor::new();
    let (ada, bob) = (run.for_connection(), run.for_connection());
    ada.register("ada-refresh-token");
    bob.register("bob-refresh-token");
    assert_eq!(ada.redact("ada-refresh-token"), "***");
    assert_eq!(bob.redact("bob-refresh-token"), "***");
    // Neither connection's matcher carries the other's secrets: its size is its own.
    assert_eq!(bob.redact("ada-refresh-token"), "ada-refresh-token");
    assert_eq!(ada.redact("bob-refresh-token"), "bob-refresh-token");
    // Nor do they reach the run's scope, which every connection shares.
    assert_eq!(
        run.for_connection()
            .redact("ada-refresh-token bob-refresh-token"),
        "ada-refresh-token bob-refresh-token"
    );
}

#[test]
fn the_runs_redactor_still_masks_every_connections_secrets_as_written() {
    let run = Redactor::new();
    let ada = run.for_connection();
    assert_eq!(
        run.redact("panicked at ada-refresh-token"),
        "panicked at ada-refresh-token"
    );
    ada.register("ada-refresh-token");
    assert_eq!(
        run.redact("panicked at ada-refresh-token"),
        "panicked at ***"
    );
}

// Property tests: bounded (a few dozen cases each) so the suite stays fast.

/// Secrets as a connection holds them: printable, no surrounding whitespace, and no `*` (so
/// that the mask itself can never spell a secret).
fn secret() -> impl Strategy<Value = String> {
    "[^*\\s][^*]{4,18}[^*\\s]"
}

/// The forms the redactor promises to mask wherever they stand.
fn encoded_forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let mut forms: Vec<String> = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .map(|engine| engine.encode(bytes))
        .collect();
    forms.push(secret.to_owned());
    forms.push(url::form_urlencoded::byte_serialize(bytes).collect());
    forms.push(percent_encoded(bytes));
    forms.push(json_escaped(secret, false));
    forms.push(json_escaped(secret, true));
    forms
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_secret_in_any_encoded_form_never_survives(
        secret in secret(),
        before in ".{0,30}",
        after in ".{0,30}",
        scoped in any::<bool>(),
    ) {
        let run = Redactor::new();
        let redactor = if scoped { run.for_connection() } else { run };
        redactor.register(&secret);
        for form in encoded_forms(&secret) {
            let out = redactor.redact(&format!("{before}{form}{after}"));
            prop_assert!(!out.contains(&form), "{form:?} survived in {out:?}");
            prop_assert!(!out.contains(&secret), "{secret:?} survived in {out:?}");
        }
    }

    #[test]
    fn a_secret_with_any_characters_escaped_never_survives(
        secret in secret(),
        escaped in proptest::collection::vec((any::<bool>(), any::<bool>()), 20),
        before in ".{0,30}",
        after in ".{0,30}",
    ) {
        let redactor = Redactor::new().for_connection();
        redactor.register(&secret);
        // Each character escaped or not, in either hex case: JSON `\u`, then percent.
        let pick = |i: usize| escaped[i % escaped.len()];
        let mut json = String::new();
        let mut percent = String::new();
        for (i, c) in secret.chars().enumerate() {
            let (escape, upper) = pick(i);
            let units: Vec<String> = c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("\\u{u:04x}")).collect();
            let mut utf8 = [0; 4];
            let bytes: Vec<String> = c.encode_utf8(&mut utf8).bytes().map(|b| format!("%{b:02x}")).collect();
            let (mut u, mut p) = (units.concat(), bytes.concat());
            if upper {
                u = u.to_uppercase().replace("\\U", "\\u");
                p = p.to_uppercase();
            }
            match (escape, c) {
                (true, _) => { json.push_str(&u); percent.push_str(&p); }
                (false, '"' | '\\') => { json.push('\\'); json.push(c); percent.push(c); }
                (false, '%' | '+') => { json.push(c); percent.push_str(&p); }
                (false, c) if c.is_control() => { json.push_str(&u); percent.push(c); }
                (false, c) => { json.push(c); percent.push(c); }
            }
        }
        for form in [json, percent] {
            let out = redactor.redact(&format!("{before} {form} {after}"));
            prop_assert!(!out.contains(&form), "{form:?} survived in {out:?}");
        }
    }

    #[test]
    fn base64_carrying_a_secret_among_other_bytes_never_survives(
        secret in secret(),
        before in proptest::collection::vec(any::<u8>(), 0..12),
        after in proptest::collection::vec(any::<u8>(), 0..12),
        url_safe in any::<bool>(),
    ) {
        let redactor = Redactor::new();
        redactor.register(&secret);
        let blob = [before.as_slice(), secret.as_bytes(), after.as_slice()].concat();
        let encoded = if url_safe { URL_SAFE.encode(&blob) } else { STANDARD.encode(&blob) };
        let out = redactor.redact(&format!("Authorization: Basic {encoded}"));
        prop_assert!(!out.contains(&encoded), "{encoded:?} survived in {out:?}");
    }

    #[test]
    fn many_secrets_are_each_masked(
        secrets in proptest::collection::vec(secret(), 1..40),
        run_share in 0usize..5,
        form in 0usize..9,
    ) {
        let run = Redactor::new();
        let connection = run.for_connection();
        for (i, secret) in secrets.iter().enumerate() {
            if i < run_share { run.register(secret) } else { connection.register(secret) }
        }
        let text: Vec<String> = secrets
            .iter()
            .map(|secret| encoded_forms(secret)[form].clone())
            .collect();
        let out = connection.redact(&text.join(" | "));
        for (secret, form) in secrets.iter().zip(&text) {
            prop_assert!(!out.contains(form), "{form:?} survived in {out:?}");
            prop_assert!(!out.contains(secret.as_str()), "{secret:?} survived in {out:?}");
        }
    }
}
