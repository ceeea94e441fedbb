//! `connection-exists`'s unit tests: a row missing (and a report label given as a key), an
//! unknown dc, encrypted or missing tokens, unreadable values, keys other rows share or none.

use chrono::TimeDelta;
use secrecy::SecretString;

use super::*;
use crate::store::{Field, RowKey, Snapshot, SqlValue};
use crate::{
    checks::{Status, testing::*},
    store::stored,
    zoho::AccessToken,
};

/// A row that can work: a refresh token, another access token, a data centre.
fn working_row() -> Connection {
    Connection {
        access_token: Some(AccessToken::new("1000.access.token")),
        refresh_token: Some(SecretString::from("1000.refresh.token")),
        dc: stored_as("eu", stored::data_centre),
        ..row("ada")
    }
}

async fn verdict_for(connection: Option<Connection>) -> Verdict {
    let ctx = match connection {
        Some(connection) => row_context(offline_env(App::Desk), connection),
        None => context(offline_env(App::Desk), None, Default::default()),
    };
    ConnectionExists.run(&ctx).await
}

#[test]
fn a_label_of_a_row_sharing_a_key_points_at_the_key() {
    assert!(no_row_hint("u1#2").contains("`--user u1` checks every row with that key"));
    for plain in ["ada", "#2", "u1#", "u1#x", "a#b#"] {
        assert!(
            no_row_hint(plain).starts_with("connect this user"),
            "{plain}: {}",
            no_row_hint(plain)
        );
    }
}

#[tokio::test]
async fn a_user_without_a_row_fails_with_no_connection_and_how_to_connect() {
    let verdict = verdict_for(None).await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(outcome.message, "no connection row for user `ada`");
    assert_eq!(outcome.code.as_deref(), Some("no_connection"));
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("OAuth consent flow"),
        "{:?}",
        outcome.hint
    );
    assert!(discovered(&verdict).is_empty());
}

#[tokio::test]
async fn a_dc_zoho_does_not_have_fails_naming_it_and_the_codes_zoho_has() {
    let verdict = verdict_for(Some(Connection {
        dc: stored_as("mars", stored::data_centre),
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(
        outcome.message,
        "the row's dc `mars` is not a Zoho data centre"
    );
    assert_eq!(outcome.code.as_deref(), Some("unknown_dc"));
    let hint = outcome.hint.as_deref().unwrap();
    assert!(hint.starts_with("store one of us, eu, in,"), "{hint}");
    assert!(hint.contains("accounts.zoho.eu"), "{hint}");
}

#[tokio::test]
async fn an_encrypted_token_column_fails_without_sending_anything() {
    let verdict = verdict_for(Some(Connection {
        encrypted: vec!["refresh_token".to_owned()],
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome
            .message
            .starts_with("`refresh_token` holds an encrypted value, not a Zoho token"),
        "{}",
        outcome.message
    );
    assert!(outcome.message.contains("sent nothing to Zoho"));
    assert_eq!(outcome.code.as_deref(), Some("token_encrypted"));
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("a view that decrypts them")
    );
}

#[tokio::test]
async fn two_encrypted_columns_are_both_named() {
    let verdict = verdict_for(Some(Connection {
        encrypted: vec!["access_token".to_owned(), "refresh_token".to_owned()],
        ..working_row()
    }))
    .await;
    assert!(
        verdict
            .outcome
            .message
            .starts_with("`access_token` and `refresh_token` hold an encrypted value"),
        "{}",
        verdict.outcome.message
    );
}

#[tokio::test]
async fn a_row_without_a_refresh_token_fails_and_asks_for_an_offline_grant() {
    let verdict = verdict_for(Some(Connection {
        refresh_token: None,
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome.message.contains("no refresh token"),
        "{}",
        outcome.message
    );
    assert_eq!(outcome.code.as_deref(), Some("no_refresh_token"));
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("access_type=offline and prompt=consent")
    );
}

#[tokio::test]
async fn a_refresh_token_equal_to_the_access_token_fails_as_overwritten() {
    let verdict = verdict_for(Some(Connection {
        access_token: Some(AccessToken::new("1000.same.token")),
        refresh_token: Some(SecretString::from("1000.same.token")),
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome
            .message
            .starts_with("the stored refresh token equals the access token"),
        "{}",
        outcome.message
    );
    assert_eq!(outcome.code.as_deref(), Some("refresh_token_overwritten"));
    assert!(
        outcome
            .hint
            .as_deref()
            .unwrap()
            .contains("keep the stored refresh token")
    );
}

#[tokio::test]
async fn a_working_row_passes_showing_its_data_centre_and_expiry() {
    let expiry = expiring_in(TimeDelta::minutes(30));
    let ExpiryField::Known(known) = &expiry else {
        panic!("epoch seconds read as an expiry");
    };
    let at = known.at.to_rfc3339();
    let verdict = verdict_for(Some(Connection {
        expiry,
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Pass);
    assert_eq!(outcome.message, "found the connection row for user `ada`");
    assert_eq!(
        outcome.details,
        [
            ("data centre".to_owned(), "eu".to_owned()),
            ("token expiry".to_owned(), format!("{at} (epoch seconds)")),
        ]
    );
    assert_eq!((outcome.code.as_ref(), outcome.hint.as_ref()), (None, None));
    assert!(discovered(&verdict).is_empty());
}

#[tokio::test]
async fn an_unreadable_expiry_is_shown_as_such_and_the_row_still_passes() {
    let verdict = verdict_for(Some(Connection {
        expiry: ExpiryField::Unreadable("soon".to_owned()),
        dc: Stored::Absent,
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Pass);
    assert_eq!(
        outcome.details,
        [("token expiry".to_owned(), "unreadable: `soon`".to_owned())],
        "no dc stored, so no data centre detail"
    );
}

/// The row as the SQL store reads it: keyed on `user_id`, shared by `rows` rows.
fn read_as(values: Vec<(Field, &str, SqlValue)>, rows: usize) -> Snapshot {
    let values = values
        .into_iter()
        .map(|(field, column, value)| (field, column.to_owned(), value))
        .collect();
    let key = RowKey::on("user_id");
    let mut snapshot = Snapshot::read(values, key);
    snapshot.shared_by(rows);
    snapshot
}

#[tokio::test]
async fn a_value_that_is_not_text_fails_naming_the_column_and_the_key_never_the_bytes() {
    let verdict = verdict_for(Some(Connection {
        refresh_token: None,
        snapshot: read_as(
            vec![(
                Field::RefreshToken,
                "refresh_token",
                SqlValue::Bytes(vec![0x31, 0xff, 0x2e]),
            )],
            1,
        ),
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(
        outcome.message,
        "the row with user_id `ada` holds bytes that are not UTF-8 text in `refresh_token`: zoho-doctor cannot read it, and neither can an app that reads text"
    );
    assert_eq!(outcome.code.as_deref(), Some("value_not_text"));
    assert!(!format!("{outcome:?}").contains("ff"), "{outcome:?}");
}

#[tokio::test]
async fn a_time_that_is_none_warns_naming_the_column_and_its_text() {
    let verdict = verdict_for(Some(Connection {
        expiry: ExpiryField::Unreadable("infinity".to_owned()),
        snapshot: read_as(
            vec![(
                Field::Expiry,
                "token_expires_at",
                SqlValue::OutOfRange("infinity".to_owned()),
            )],
            1,
        ),
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn);
    assert!(
        outcome.message.starts_with(
            "`token_expires_at` holds `infinity` (user_id `ada`), which is no point in time"
        ),
        "{}",
        outcome.message
    );
    assert_eq!(outcome.code.as_deref(), Some("time_out_of_range"));
    assert!(outcome.hint.as_deref().unwrap().contains("real expiry"));
}

#[tokio::test]
async fn a_key_other_rows_share_warns_and_a_failing_row_carries_it_as_evidence() {
    let shared = read_as(
        vec![(Field::Key, "user_id", SqlValue::Text("ada".into()))],
        2,
    );
    let verdict = verdict_for(Some(Connection {
        snapshot: shared.clone(),
        ..working_row()
    }))
    .await;
    let outcome = &verdict.outcome;
    assert_eq!(outcome.status, Status::Warn);
    assert_eq!(
        outcome.message,
        "2 rows share user_id `ada`; the app reads whichever its query returns first"
    );
    assert_eq!(outcome.code.as_deref(), Some("duplicate_key"));
    assert!(
        outcome
            .details
            .iter()
            .any(|(name, _)| name == "data centre")
    );

    let failing = verdict_for(Some(Connection {
        refresh_token: None,
        snapshot: shared,
        ..working_row()
    }))
    .await;
    assert_eq!(failing.outcome.code.as_deref(), Some("no_refresh_token"));
    assert_eq!(
        failing.outcome.evidence,
        ["2 rows share user_id `ada`; the app reads whichever its query returns first"]
    );
}

#[tokio::test]
async fn a_row_without_a_key_fails_without_an_id_and_is_named_by_its_id_with_one() {
    let keyed = |column: &str, label: &str| {
        let key = RowKey {
            empty: Some("user_id".to_owned()),
            ..RowKey::on(column)
        };
        Connection {
            user_id: label.to_owned(),
            snapshot: Snapshot::read(Vec::new(), key),
            ..working_row()
        }
    };
    let unkeyed = verdict_for(Some(keyed("user_id", "(no user_id)"))).await;
    assert_eq!(unkeyed.outcome.status, Status::Fail);
    assert_eq!(unkeyed.outcome.code.as_deref(), Some("no_user_id"));
    assert!(
        unkeyed.outcome.message.contains("the row has no user id"),
        "{}",
        unkeyed.outcome.message
    );
    let by_id = verdict_for(Some(keyed("id", "id:7"))).await;
    assert_eq!(by_id.outcome.status, Status::Pass);
    assert!(
        by_id
            .outcome
            .message
            .contains("with id `7`; its `user_id` is NULL or blank"),
        "{}",
        by_id.outcome.message
    );
}
