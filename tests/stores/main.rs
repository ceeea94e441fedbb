//! Real connection stores: SQLite always, PostgreSQL and MariaDB when `.ci/run` (or you) set
//! ZOHO_DOCTOR_TEST_POSTGRES_URL / ZOHO_DOCTOR_TEST_MYSQL_URL. Every test runs on every backend.
//! One test binary: `db` is the shared harness, `reading` covers presets, expiry formats and
//! mappings, `fix` the `--fix` write-back with compare-and-swap, `urls` the `env:` store and store
//! URL hygiene, `hostile` odd rows (times that are none, bytes that are not text, shared keys),
//! `keyless` rows whose key is NULL or blank, `loading` many users in chunked queries.

#[path = "../common/mod.rs"]
#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

mod db;
mod fix;
mod hostile;
mod keyless;
mod loading;
mod reading;
mod urls;
