//! Reading values by their actual type, per database: an expiry may be an integer, text or a
//! timestamp; types zoho-doctor does not decode are named in the error. And the database's own
//! message for an error, without sqlx's wrapping.

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::{Row, TypeInfo, ValueRef, mysql::MySqlRow, postgres::PgRow, sqlite::SqliteRow};

use crate::store::SqlValue;

/// The database's own message, without sqlx's wrapping (which can repeat the URL).
pub(super) fn database_reason(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

pub(super) type Decoded = Result<SqlValue, String>;

pub(super) fn sqlite_value(row: &SqliteRow, index: usize) -> Decoded {
    let raw = row.try_get_raw(index).map_err(|err| err.to_string())?;
    if raw.is_null() {
        return Ok(SqlValue::Null);
    }
    // SQLite types values, not columns: read by the value's own storage class.
    let storage = raw.type_info().name().to_owned();
    let decoded = match storage.as_str() {
        "INTEGER" => row.try_get_unchecked::<i64, _>(index).map(SqlValue::Int),
        "REAL" => row.try_get_unchecked::<f64, _>(index).map(SqlValue::Float),
        "TEXT" => row
            .try_get_unchecked::<String, _>(index)
            .map(SqlValue::Text),
        "BLOB" => row
            .try_get_unchecked::<Vec<u8>, _>(index)
            .map(|bytes| SqlValue::Text(String::from_utf8_lossy(&bytes).into_owned())),
        _ => return Err(storage),
    };
    decoded.map_err(|_| storage)
}

pub(super) fn postgres_value(row: &PgRow, index: usize) -> Decoded {
    let raw = row.try_get_raw(index).map_err(|err| err.to_string())?;
    if raw.is_null() {
        return Ok(SqlValue::Null);
    }
    let type_name = raw.type_info().name().to_owned();
    let decoded = match type_name.as_str() {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" => {
            row.try_get::<String, _>(index).map(SqlValue::Text)
        }
        "INT2" => row
            .try_get::<i16, _>(index)
            .map(|n| SqlValue::Int(n.into())),
        "INT4" => row
            .try_get::<i32, _>(index)
            .map(|n| SqlValue::Int(n.into())),
        "INT8" => row.try_get::<i64, _>(index).map(SqlValue::Int),
        "FLOAT4" => row
            .try_get::<f32, _>(index)
            .map(|n| SqlValue::Float(n.into())),
        "FLOAT8" => row.try_get::<f64, _>(index).map(SqlValue::Float),
        "TIMESTAMPTZ" => row
            .try_get::<DateTime<Utc>, _>(index)
            .map(SqlValue::Timestamp),
        "TIMESTAMP" => row
            .try_get::<NaiveDateTime, _>(index)
            .map(|at| SqlValue::Timestamp(at.and_utc())),
        _ => return Err(type_name),
    };
    decoded.map_err(|_| type_name)
}

pub(super) fn mysql_value(row: &MySqlRow, index: usize) -> Decoded {
    let raw = row.try_get_raw(index).map_err(|err| err.to_string())?;
    if raw.is_null() {
        return Ok(SqlValue::Null);
    }
    let type_name = raw.type_info().name().to_owned();
    let decoded = match type_name.as_str() {
        "VARCHAR" | "CHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" => {
            row.try_get::<String, _>(index).map(SqlValue::Text)
        }
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => {
            row.try_get::<i64, _>(index).map(SqlValue::Int)
        }
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" => row
            .try_get::<u64, _>(index)
            .map(|n| SqlValue::Int(i64::try_from(n).unwrap_or(i64::MAX))),
        "DOUBLE" | "FLOAT" => row.try_get::<f64, _>(index).map(SqlValue::Float),
        "TIMESTAMP" => row
            .try_get::<DateTime<Utc>, _>(index)
            .map(SqlValue::Timestamp),
        "DATETIME" => row
            .try_get::<NaiveDateTime, _>(index)
            .map(|at| SqlValue::Timestamp(at.and_utc())),
        "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "VARBINARY" | "BINARY" => row
            .try_get_unchecked::<Vec<u8>, _>(index)
            .map(|bytes| SqlValue::Text(String::from_utf8_lossy(&bytes).into_owned())),
        _ => return Err(type_name),
    };
    decoded.map_err(|_| type_name)
}
