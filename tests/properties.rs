//! Property tests of the parsers hostile input reaches first: the pipeline YAML loader, stored
//! expiries, data centres, scopes, and Zoho's token, Desk and CRM answers. Whatever the input,
//! they return a value or a located error — never a panic — and the values they do return keep
//! their invariants. Bounded to a few seconds: 256 cases each.

use std::time::Duration;

use proptest::prelude::*;
use zoho_doctor::{
    pipeline,
    store::{ExpiryField, SqlValue},
    zoho::{
        DataCentre, crm, desk,
        http::Answer,
        oauth::{RefreshAnswer, read_refresh_answer},
        scopes::{Scope, parse_granted_list},
    },
};

fn answer(status: u16, body: String) -> Answer {
    Answer {
        method: "GET",
        url: "https://desk.zoho.com/api/v1/organizations".to_owned(),
        status,
        body,
        retry_after: None,
        elapsed: Duration::ZERO,
    }
}

/// Text that is often almost-YAML: fragments of a real pipeline mixed with arbitrary characters.
fn pipeline_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("name: p\n".to_owned()),
        Just("app: desk\n".to_owned()),
        Just("checks:\n".to_owned()),
        Just("  - id: a\n    kind: token-refresh\n".to_owned()),
        Just("    needs: [a]\n".to_owned()),
        Just("    timeout: 99999999999999999999h\n".to_owned()),
        Just("    require: [{any_of: [x]}]\n".to_owned()),
        Just("&a [*a, *a]\n".to_owned()),
        ".{0,40}",
    ];
    proptest::collection::vec(fragment, 0..12).prop_map(|parts| parts.concat())
}

/// JSON-ish bodies: real answer shapes with arbitrary values, and arbitrary text.
fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,60}",
        ("\\PC{0,20}", any::<i64>(), "\\PC{0,20}").prop_map(|(key, number, text)| {
            serde_json::json!({ key: number, "access_token": text, "expires_in": number })
                .to_string()
        }),
        ("\\PC{0,20}", "\\PC{0,20}").prop_map(|(code, message)| {
            serde_json::json!({ "errorCode": code, "message": message }).to_string()
        }),
        proptest::collection::vec("\\PC{0,10}", 0..5)
            .prop_map(|ids| serde_json::json!({ "data": ids }).to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_pipeline_loader_never_panics_and_locates_every_error(text in pipeline_text()) {
        // YAML breaks lines at `\r\n`, `\r` and `\n` (a lone `\r` is a line of its own there,
        // not in `str::lines`), and an error may sit just past the last break.
        let lines = text.replace("\r\n", "\n").matches(['\r', '\n']).count() as u64 + 1;
        if let Err(errors) = pipeline::load_str(&text, "p.yaml", &|_| None) {
            prop_assert!(!errors.0.is_empty());
            for error in &errors.0 {
                prop_assert!(error.line <= lines, "{error} points past the file's end");
                prop_assert!(!error.message.is_empty());
            }
        }
    }

    #[test]
    fn any_stored_expiry_reads_as_a_value_or_unreadable(
        number in any::<i64>(),
        float in any::<f64>(),
        text in "\\PC{0,30}",
    ) {
        for value in [SqlValue::Int(number), SqlValue::Float(float), SqlValue::Text(text.clone())] {
            match ExpiryField::read(&value) {
                ExpiryField::Known(expiry) => prop_assert!(!expiry.raw.is_empty()),
                ExpiryField::Unreadable(raw) => prop_assert!(!raw.is_empty() || text.trim().is_empty()),
                ExpiryField::Missing => {}
            }
        }
    }

    #[test]
    fn a_data_centre_is_found_from_its_code_and_hosts_and_anything_else_never_panics(
        noise in "\\PC{0,40}",
        index in 0..DataCentre::ALL.len(),
    ) {
        let dc = DataCentre::ALL[index];
        prop_assert_eq!(DataCentre::parse(dc.code()), Some(dc));
        prop_assert_eq!(DataCentre::parse(&dc.accounts_host()), Some(dc));
        prop_assert_eq!(DataCentre::parse(&format!("https://{}/", dc.accounts_host())), Some(dc));
        let _ = DataCentre::parse(&noise);
    }

    #[test]
    fn scopes_cover_themselves_and_all_covers_every_operation(
        service in "[A-Za-z]{1,10}",
        entity in "[a-z]{1,10}",
        operation in prop_oneof![Just("READ"), Just("CREATE"), Just("UPDATE"), Just("DELETE")],
        noise in "\\PC{0,40}",
    ) {
        let wanted = Scope::parse_required(&format!("{service}.{entity}.{operation}"))
            .expect("a well-formed scope parses");
        let all = Scope::parse_granted(&format!("{service}.{entity}.ALL"));
        prop_assert!(wanted.covers(&wanted));
        prop_assert!(all.covers(&wanted));
        let listed = parse_granted_list(&format!("{} , {}", wanted.as_str(), all.as_str()));
        prop_assert_eq!(listed.len(), 2);
        let _ = Scope::parse_required(&noise);
        let _ = parse_granted_list(&noise);
    }

    #[test]
    fn zohos_answers_never_panic_and_an_error_key_is_never_a_token(
        status in 100u16..600,
        body in body(),
        error in "[a-z_]{1,20}",
    ) {
        let _ = read_refresh_answer(status, &body);
        let rejected = serde_json::json!({ "error": error, "access_token": "1000.a.b" }).to_string();
        let is_rejected = matches!(read_refresh_answer(200, &rejected), RefreshAnswer::Rejected(_));
        prop_assert!(is_rejected);
        let _ = desk::list_items(&answer(status, body.clone()));
        let _ = desk::object(&answer(status, body.clone()));
        let _ = crm::read(&answer(status, body));
    }
}
