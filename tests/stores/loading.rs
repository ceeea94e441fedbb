//! Loading many connections at once: chunks of keys (more than one chunk here), the selection's
//! order kept, absent users and rows sharing a key as before, on every backend; integer keys
//! matched by text labels.

use zoho_doctor::store::{Mapping, Store};

use crate::db::Db;

/// More keys than one chunk (500) holds, twice over.
const USERS: usize = 1_200;

fn ids(connections: &[zoho_doctor::store::Connection]) -> Vec<String> {
    connections.iter().map(|c| c.user_id.clone()).collect()
}

#[tokio::test]
async fn twelve_hundred_selected_users_load_in_selection_order() {
    for db in Db::all().await {
        let table = "load_many";
        db.loose_table(table, db.text_type(), db.text_type(), "BIGINT")
            .await;
        // One INSERT of every row: the rows are the test's, not its speed's.
        let values: Vec<String> = (0..USERS)
            .map(|n| format!("('user{n}', 'token-of-{n}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"))
            .chain(std::iter::once(
                "('user7', 'second-row-of-7', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)".to_owned(),
            ))
            .collect();
        db.exec(&format!("INSERT INTO {table} VALUES {}", values.join(", ")))
            .await;
        let store = Store::open(&db.url, Mapping::seed().with_table(table), false)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", db.name));
        // Reversed, with a user no row has in the middle and one asked twice.
        let mut users: Vec<String> = (0..USERS).rev().map(|n| format!("user{n}")).collect();
        users.insert(600, "nobody".to_owned());
        users.push("user3".to_owned());
        let loaded = store.load_many(&users).await.unwrap();
        assert_eq!(loaded.len(), users.len(), "{}", db.name);
        for (user, rows) in users.iter().zip(&loaded) {
            let expected = match user.as_str() {
                "nobody" => 0,
                "user7" => 2,
                _ => 1,
            };
            assert_eq!(rows.len(), expected, "{}: {user}", db.name);
            assert!(ids(rows).iter().all(|id| id == user), "{}: {user}", db.name);
            for row in rows {
                assert_eq!(row.key().map(|key| key.rows), Some(expected), "{}", db.name);
            }
        }
        let token = |rows: &[zoho_doctor::store::Connection]| {
            rows.iter()
                .filter_map(|row| row.access_token.as_ref())
                .map(|token| secrecy::ExposeSecret::expose_secret(token.secret()).to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(token(&loaded[0]), ["token-of-1199"], "{}", db.name);
        assert_eq!(token(&loaded[1199 - 950]), ["token-of-950"], "{}", db.name);
        assert_eq!(
            token(&loaded[users.len() - 1]),
            ["token-of-3"],
            "{}",
            db.name
        );
        let mut sevens = token(&loaded[users.iter().position(|u| u == "user7").unwrap()]);
        sevens.sort();
        assert_eq!(sevens, ["second-row-of-7", "token-of-7"], "{}", db.name);
        // The same rows as one load each.
        for index in [0, 599, 600, 601, 1_199, users.len() - 1] {
            let one = store.load(&users[index]).await.unwrap();
            assert_eq!(
                token(&one),
                token(&loaded[index]),
                "{}: {}",
                db.name,
                users[index]
            );
        }
    }
}

#[tokio::test]
async fn integer_keys_are_found_by_their_text() {
    for db in Db::all().await {
        let table = "load_integer_keys";
        db.loose_table(table, "BIGINT", db.text_type(), "BIGINT")
            .await;
        db.exec(&format!(
            "INSERT INTO {table} VALUES (42, 'token-42', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), \
             (7, 'token-7', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
        ))
        .await;
        let store = Store::open(&db.url, Mapping::seed().with_table(table), false)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", db.name));
        let users: Vec<String> = ["7", "abc", "042", "42"].map(str::to_owned).to_vec();
        let loaded = store.load_many(&users).await.unwrap();
        let counts: Vec<usize> = loaded.iter().map(Vec::len).collect();
        assert_eq!(counts, [1, 0, 0, 1], "{}", db.name);
        assert_eq!(ids(&loaded[3]), ["42"], "{}", db.name);
        assert_eq!(store.users().await.unwrap(), ["42", "7"], "{}", db.name);
    }
}
