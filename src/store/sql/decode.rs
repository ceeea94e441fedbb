//! Reading values by their actual type, per database: an expiry may be an integer, text or a
//! timestamp; types zoho-doctor does not decode are named in the error. A value its type allows
//! but nothing here can use — text that is not UTF-8, PostgreSQL's `infinity`, MySQL's zero date —
//! is read as such (`SqlValue::Bytes`, `SqlValue::OutOfRange`): one odd row never stops a run.
//! And the database's own message for an error, without sqlx's wrapping.

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::{
    Row, TypeInfo, ValueRef,
    mysql::MySqlRow,
    postgres::{PgRow, PgValueFormat},
    sqlite::SqliteRow,
};

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
        // SQLite does not check that TEXT is UTF-8.
        "TEXT" => row
            .try_get_unchecked::<Vec<u8>, _>(index)
            .map(text_or_bytes),
        "BLOB" => row
            .try_get_unchecked::<Vec<u8>, _>(index)
            .map(SqlValue::Bytes),
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
        // A SQL_ASCII database hands out whatever bytes were stored.
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" => {
            return Ok(text_or_bytes(
                raw.as_bytes().map_err(|_| type_name)?.to_vec(),
            ));
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
        // sqlx's own decoding panics on `infinity` (and on years past chrono's 262142).
        "TIMESTAMPTZ" | "TIMESTAMP" if raw.format() == PgValueFormat::Binary => {
            let bytes = raw.as_bytes().map_err(|_| type_name.clone())?;
            let micros = <[u8; 8]>::try_from(bytes).map_err(|_| type_name.clone())?;
            return Ok(postgres_time(
                i64::from_be_bytes(micros),
                type_name == "TIMESTAMPTZ",
            ));
        }
        "TIMESTAMPTZ" | "TIMESTAMP" => {
            // As text, whatever chrono cannot read (`infinity`, a far year) is kept as such.
            let text = raw.as_str().map_err(|_| type_name.clone())?;
            let time = if type_name == "TIMESTAMPTZ" {
                row.try_get::<DateTime<Utc>, _>(index)
                    .map(SqlValue::Timestamp)
            } else {
                row.try_get::<NaiveDateTime, _>(index)
                    .map(|at| SqlValue::Timestamp(at.and_utc()))
            };
            Ok(time.unwrap_or_else(|_| SqlValue::OutOfRange(text.to_owned())))
        }
        _ => return Err(type_name),
    };
    decoded.map_err(|_| type_name)
}

pub(super) fn mysql_value(row: &MySqlRow, index: usize) -> Decoded {
    let raw = row.try_get_raw(index).map_err(|err| err.to_string())?;
    let type_name = raw.type_info().name().to_owned();
    if raw.is_null() {
        // sqlx calls MySQL's zero date NULL; it is a value, which NULL has no bytes for.
        let time = matches!(type_name.as_str(), "TIMESTAMP" | "DATETIME");
        return Ok(match row.try_get_unchecked::<Vec<u8>, _>(index) {
            Ok(bytes) if time => SqlValue::OutOfRange(mysql_time_text(&bytes)),
            Ok(_) | Err(_) => SqlValue::Null,
        });
    }
    let decoded = match type_name.as_str() {
        "VARCHAR" | "CHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" => row
            .try_get_unchecked::<Vec<u8>, _>(index)
            .map(text_or_bytes),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => {
            row.try_get::<i64, _>(index).map(SqlValue::Int)
        }
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" => row
            .try_get::<u64, _>(index)
            .map(|n| SqlValue::Int(i64::try_from(n).unwrap_or(i64::MAX))),
        "DOUBLE" | "FLOAT" => row.try_get::<f64, _>(index).map(SqlValue::Float),
        // A zero date (`0000-00-00`) or a zero month or day is no date: read its text.
        "TIMESTAMP" | "DATETIME" => row
            .try_get::<NaiveDateTime, _>(index)
            .map(|at| SqlValue::Timestamp(at.and_utc()))
            .or_else(|_| {
                row.try_get_unchecked::<Vec<u8>, _>(index)
                    .map(|bytes| SqlValue::OutOfRange(mysql_time_text(&bytes)))
            }),
        "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "VARBINARY" | "BINARY" => row
            .try_get_unchecked::<Vec<u8>, _>(index)
            .map(SqlValue::Bytes),
        _ => return Err(type_name),
    };
    decoded.map_err(|_| type_name)
}

/// Text when the bytes are UTF-8, the bytes otherwise.
fn text_or_bytes(bytes: Vec<u8>) -> SqlValue {
    match String::from_utf8(bytes) {
        Ok(text) => SqlValue::Text(text),
        Err(not_text) => SqlValue::Bytes(not_text.into_bytes()),
    }
}

/// Microseconds since 2000-01-01 (PostgreSQL's binary timestamp) as a time, or, when no calendar
/// here holds it, as the text PostgreSQL itself shows (in UTC, as sqlx's sessions are).
fn postgres_time(micros: i64, zoned: bool) -> SqlValue {
    const MICROS_2000: i64 = 946_684_800_000_000;
    match micros {
        i64::MAX => return SqlValue::OutOfRange("infinity".to_owned()),
        i64::MIN => return SqlValue::OutOfRange("-infinity".to_owned()),
        _ => {}
    }
    if let Some(at) = micros
        .checked_add(MICROS_2000)
        .and_then(DateTime::from_timestamp_micros)
    {
        return SqlValue::Timestamp(at);
    }
    const DAY: i64 = 86_400_000_000;
    let (days, of_day) = (micros.div_euclid(DAY), micros.rem_euclid(DAY));
    let (year, month, day) = civil_from_days(days + 10_957);
    let seconds = of_day / 1_000_000;
    let mut text = format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    let fraction = of_day % 1_000_000;
    if fraction != 0 {
        text.push_str(format!(".{fraction:06}").trim_end_matches('0'));
    }
    if zoned {
        text.push_str("+00");
    }
    SqlValue::OutOfRange(text)
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A MySQL DATETIME/TIMESTAMP that is no date, as MySQL shows it: from the binary protocol's
/// `[length, year (2 bytes, LE), month, day, hour, minute, second, micros (4 bytes, LE)]`, where
/// length 0 is the zero date, or as the text protocol sent it.
fn mysql_time_text(bytes: &[u8]) -> String {
    let binary = bytes
        .first()
        .is_some_and(|&len| matches!(len, 0 | 4 | 7 | 11) && bytes.len() == usize::from(len) + 1);
    if !binary {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let field = |at: usize| bytes.get(at).copied().unwrap_or(0);
    let year = u16::from_le_bytes([field(1), field(2)]);
    let mut text = format!(
        "{year:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        field(3),
        field(4),
        field(5),
        field(6),
        field(7)
    );
    let micros = u32::from_le_bytes([field(8), field(9), field(10), field(11)]);
    if micros != 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_infinities_and_years_past_chrono_are_read_as_postgres_shows_them() {
        assert_eq!(
            postgres_time(i64::MAX, true),
            SqlValue::OutOfRange("infinity".into())
        );
        assert_eq!(
            postgres_time(i64::MIN, false),
            SqlValue::OutOfRange("-infinity".into())
        );
        let micros_2000 = |date: chrono::NaiveDate| {
            let at = date.and_hms_opt(0, 0, 0).unwrap().and_utc();
            (at.timestamp() - 946_684_800) * 1_000_000
        };
        let date = |text| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        assert_eq!(
            postgres_time(micros_2000(date("2027-01-15")), true),
            SqlValue::Timestamp("2027-01-15T00:00:00Z".parse().unwrap())
        );
        // The day after chrono's last, which PostgreSQL has (up to the year 294276).
        let after = micros_2000(chrono::NaiveDate::MAX) + 86_400_000_000 + 3_723_500_000;
        let year = chrono::Datelike::year(&chrono::NaiveDate::MAX) + 1;
        assert_eq!(
            postgres_time(after, true),
            SqlValue::OutOfRange(format!("{year}-01-01 01:02:03.5+00"))
        );
        assert_eq!(
            postgres_time(after, false),
            SqlValue::OutOfRange(format!("{year}-01-01 01:02:03.5"))
        );
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn a_mysql_zero_date_is_read_as_mysql_shows_it() {
        assert_eq!(mysql_time_text(&[0]), "0000-00-00 00:00:00");
        assert_eq!(
            mysql_time_text(&[7, 0xe8, 0x07, 0, 0, 10, 20, 30]),
            "2024-00-00 10:20:30"
        );
        assert_eq!(
            mysql_time_text(b"0000-00-00 00:00:00"),
            "0000-00-00 00:00:00"
        );
    }
}
