//! Writing back: nothing without `--fix`; with it, what is stored (token, expiry, org, portal),
//! what is not (a guessed organisation), compare-and-swap against the app's own refresh, and a
//! failed write rolled back and reported on its connection.

use std::sync::Arc;

use crate::{
    common::Harness,
    db::{Db, check, run_on, seed},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_fix_nothing_is_written() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = "no_fix";
        db.seed_table(table, db.text_type()).await;
        for scenario in ["token-expired", "org-blank", "portal-missing"] {
            let s = seed(&h, scenario);
            db.insert(
                table,
                scenario,
                s,
                &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
            )
            .await;
        }
        let before = db.dump(table).await;
        let file_before = db
            ._dir
            .as_ref()
            .map(|dir| std::fs::read(dir.path().join("app.db")).unwrap());
        let run = run_on(&h, &db, table, &["--all"]).await;
        assert_eq!(run.code, 0, "{}: {}", db.name, run.stdout);
        assert_eq!(
            check(&run, "token-expired", "refresh")["status"],
            "warn",
            "a mint happened"
        );
        assert_eq!(
            db.dump(table).await,
            before,
            "{}: the table is unchanged",
            db.name
        );
        if let Some(file_before) = file_before {
            let after = std::fs::read(db._dir.as_ref().unwrap().path().join("app.db")).unwrap();
            assert!(
                after == file_before,
                "the SQLite file is byte-for-byte unchanged"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_onboards_a_connection_and_persists_token_expiry_org_and_portal() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = "fix_onboarding";
        db.seed_table(table, db.text_type()).await;
        // A new connection: expired token, blank org id and blank portal.
        let mut onboarding = seed(&h, "token-expired").clone();
        onboarding.desk_org_id = None;
        onboarding.desk_portal = None;
        let old_expiry = onboarding.token_expires_at.clone().unwrap();
        db.insert(table, "new-user", &onboarding, &format!("'{old_expiry}'"))
            .await;
        let run = run_on(&h, &db, table, &["--user", "new-user", "--fix"]).await;
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        assert_eq!(
            check(&run, "new-user", "refresh")["status"],
            "pass",
            "with --fix the mint is stored, not a warning"
        );

        let token = db.value(table, "new-user", "access_token").await.unwrap();
        assert_ne!(
            Some(token.as_str()),
            onboarding.access_token.as_deref(),
            "{}: the access token was replaced",
            db.name
        );
        assert!(token.starts_with("1000."), "a Zoho token was stored");
        assert_eq!(
            db.value(table, "new-user", "refresh_token").await,
            onboarding.refresh_token,
            "{}: refresh token kept",
            db.name
        );
        let new_expiry = db
            .value(table, "new-user", "token_expires_at")
            .await
            .unwrap();
        assert_eq!(
            new_expiry.len(),
            old_expiry.len(),
            "{}: still epoch milliseconds: {new_expiry}",
            db.name
        );
        assert!(
            new_expiry.parse::<i64>().unwrap() > old_expiry.parse::<i64>().unwrap() + 3_000_000
        );

        let org = db
            .value(table, "new-user", "desk_org_id")
            .await
            .expect("org id persisted");
        let portal = db
            .value(table, "new-user", "desk_portal")
            .await
            .expect("portal persisted");
        assert!(
            check(&run, "new-user", "org")["message"]
                .as_str()
                .unwrap()
                .contains(&org)
        );
        assert_eq!(portal, "tokenexpired");

        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("`access_token`: *** → *** (refreshed)"),
            "{changes}"
        );
        assert!(
            changes.contains(&format!("`desk_org_id`: (empty) → `{org}`")),
            "{changes}"
        );
        assert!(
            changes.contains("`desk_portal`: (empty) → `tokenexpired`"),
            "{changes}"
        );
        assert!(
            !changes.contains(&token),
            "{}: the new token is not in the report",
            db.name
        );
        assert!(
            run.stdout.contains("Changes"),
            "the table lists the changes"
        );

        // A second run finds everything stored: nothing left to write, every check passes.
        let again = run_on(&h, &db, table, &["--user", "new-user", "--fix"]).await;
        assert_eq!(again.code, 0);
        assert_eq!(
            again.json["summary"]["passed"], 7,
            "{}: {}",
            db.name, again.stdout
        );
        assert_eq!(
            again.json["connections"][0]["changes"],
            serde_json::json!([])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_keeps_the_apps_token_when_it_refreshed_meanwhile() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = format!("cas_{}", db.name);
        db.seed_table(&table, db.text_type()).await;
        let mut s = seed(&h, "token-expired").clone();
        s.desk_org_id = None;
        db.insert(
            &table,
            "racer",
            &s,
            &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
        )
        .await;
        // The app refreshes the same row while zoho-doctor is mid-run.
        let url = db.url.clone();
        let hook_table = table.clone();
        h.sim.on_mint(Arc::new(move |_refresh_token| {
            let (url, table) = (url.clone(), hook_table.clone());
            Box::pin(async move {
                let store = Db::connect(&url).await;
                store
                    .exec(&format!("UPDATE {table} SET access_token = 'apps-own-new-token', token_expires_at = '9999' WHERE user_id = 'racer'"))
                    .await;
            })
        }));
        let run = run_on(&h, &db, &table, &["--user", "racer", "--fix"]).await;
        h.sim.on_mint(Arc::new(|_| Box::pin(async {})));
        assert_eq!(run.code, 0, "{}: {}\n{}", db.name, run.stdout, run.stderr);
        assert_eq!(
            db.value(&table, "racer", "access_token").await.as_deref(),
            Some("apps-own-new-token"),
            "{}: the app's token was kept",
            db.name
        );
        assert_eq!(
            db.value(&table, "racer", "token_expires_at")
                .await
                .as_deref(),
            Some("9999")
        );
        assert_eq!(
            db.value(&table, "racer", "refresh_token").await,
            s.refresh_token
        );
        assert!(
            db.value(&table, "racer", "desk_org_id").await.is_some(),
            "{}: the org id group is independent",
            db.name
        );
        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("not written — the row changed after it was read"),
            "{changes}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_does_not_store_an_organisation_it_had_to_guess() {
    let h = Harness::start().await;
    for db in Db::all().await {
        let table = "guessed_org";
        db.seed_table(table, db.text_type()).await;
        let s = seed(&h, "orgs-no-default");
        db.insert(
            table,
            "guess",
            s,
            &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
        )
        .await;
        let run = run_on(&h, &db, table, &["--user", "guess", "--fix"]).await;
        assert_eq!(check(&run, "guess", "org")["status"], "warn");
        assert_eq!(
            db.value(table, "guess", "desk_org_id").await,
            None,
            "{}: a guess is not stored",
            db.name
        );
        assert_eq!(
            db.value(table, "guess", "desk_portal").await,
            None,
            "{}",
            db.name
        );
        let changes = run.json["connections"][0]["changes"].to_string();
        assert!(
            changes.contains("none is the default; store the right org id by hand"),
            "{changes}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_back_that_fails_is_rolled_back_and_reported_on_its_connection() {
    let h = Harness::start().await;
    let db = Db::all()
        .await
        .into_iter()
        .next()
        .expect("SQLite is always there");
    let table = "refuses_writes";
    db.seed_table(table, db.text_type()).await;
    for scenario in ["token-expired", "healthy"] {
        let s = seed(&h, scenario);
        db.insert(
            table,
            scenario,
            s,
            &format!("'{}'", s.token_expires_at.as_deref().unwrap()),
        )
        .await;
    }
    db.exec(&format!(
        "CREATE TRIGGER refuse BEFORE UPDATE ON {table} WHEN OLD.user_id = 'token-expired' \
         BEGIN SELECT RAISE(ABORT, 'this row is locked by the app'); END"
    ))
    .await;
    let before = db.dump(table).await;
    let run = run_on(&h, &db, table, &["--all", "--fix", "--force-refresh"]).await;
    assert_eq!(run.code, 1, "a failed write fails the run: {}", run.stdout);
    let failed = &run.json["connections"][1];
    assert_eq!(failed["user"], "token-expired");
    assert_eq!(failed["write_failed"], true);
    assert!(
        failed["changes"]
            .to_string()
            .contains("this row is locked by the app"),
        "{}",
        failed["changes"]
    );
    assert_eq!(
        run.json["connections"][0]["write_failed"], false,
        "the other connection was written"
    );
    let after = db.dump(table).await;
    assert_eq!(
        after[1], before[1],
        "the failed connection's row is untouched (rolled back)"
    );
    assert_ne!(after[0], before[0], "healthy's refreshed token was stored");
    assert!(
        run.junit
            .contains(r#"<testcase name="fix" classname="desk-profile.token-expired""#),
        "{}",
        run.junit
    );
    assert!(run.junit.contains("--fix could not write this connection"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_back_that_waits_past_the_timeout_is_rolled_back_and_reported() {
    let h = Harness::start().await;
    let db = Db::all()
        .await
        .into_iter()
        .next()
        .expect("SQLite is always there");
    let table = "busy_writes";
    db.seed_table(table, db.text_type()).await;
    let s = seed(&h, "token-expired");
    let expiry = format!("'{}'", s.token_expires_at.as_deref().unwrap());
    db.insert(table, "token-expired", s, &expiry).await;
    let before = db.dump(table).await;
    // A 1 s timeout, shorter than SQLite's 5 s busy wait: the bound, not the database, ends it.
    let pipeline = h.path("quick.yaml");
    let shipped =
        std::fs::read_to_string(crate::common::desk_pipeline()).expect("shipped pipeline");
    std::fs::write(&pipeline, shipped.replace("timeout: 10s", "timeout: 1s")).expect("written");
    let lock = db.hold_write_lock().await.expect("SQLite");
    let mut args = vec!["--store", db.url.as_str(), "--table", table];
    args.extend(["--all", "--fix"]);
    let run = h.run(pipeline.to_str().expect("utf-8"), &args).await;
    drop(lock);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let connection = &run.json["connections"][0];
    assert_eq!(connection["write_failed"], true);
    assert!(
        connection["changes"]
            .to_string()
            .contains("the write did not finish within 1 s (settings.timeout) and was rolled back"),
        "{}",
        connection["changes"]
    );
    assert_eq!(db.dump(table).await, before, "nothing was written");
}
