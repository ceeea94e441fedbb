//! Reading a stored token expiry, whatever the app stored: epoch seconds or milliseconds
//! (judged by magnitude), a database timestamp, or ISO/SQL text; and judging whether it is
//! plausible for a Zoho access token (which lives one hour).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// A value as read from the database, before its meaning is known.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    /// A blob, or text that is not UTF-8: read as text when it is UTF-8, shown in hex otherwise.
    Bytes(Vec<u8>),
    Timestamp(DateTime<Utc>),
    /// A time the database holds but no calendar arithmetic here can: `infinity`, `-infinity`,
    /// MySQL's zero date, a year past 262142. The database's own text for it.
    OutOfRange(String),
}

impl SqlValue {
    /// The value as text, `None` for NULL, an empty string or bytes that are not UTF-8.
    pub fn text(&self) -> Option<String> {
        let trimmed = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        match self {
            SqlValue::Null => None,
            SqlValue::Int(n) => Some(n.to_string()),
            SqlValue::Float(f) => Some(f.to_string()),
            SqlValue::Text(s) => trimmed(s),
            SqlValue::Bytes(bytes) => std::str::from_utf8(bytes).ok().and_then(trimmed),
            SqlValue::Timestamp(at) => Some(at.to_rfc3339()),
            SqlValue::OutOfRange(raw) => Some(raw.clone()),
        }
    }

    /// Bytes that are not UTF-8 text: what no app reading the column as text can read.
    pub fn is_not_text(&self) -> bool {
        matches!(self, SqlValue::Bytes(bytes) if std::str::from_utf8(bytes).is_err())
    }

    /// The value for a message: its text, or `x'…'` (hex) for bytes that are not UTF-8. Never
    /// call it on a token column.
    pub fn shown(&self) -> Option<String> {
        match self {
            SqlValue::Bytes(bytes) if self.is_not_text() => Some(hex_literal(bytes)),
            other => other.text(),
        }
    }
}

/// Bytes as an SQL hex literal, `x'ff01'`: how a key that is not text is named.
pub fn hex_literal(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("x'{hex}'")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryUnit {
    EpochSeconds,
    EpochMillis,
    Timestamp,
}

impl ExpiryUnit {
    pub fn describe(self) -> &'static str {
        match self {
            ExpiryUnit::EpochSeconds => "epoch seconds",
            ExpiryUnit::EpochMillis => "epoch milliseconds",
            ExpiryUnit::Timestamp => "a timestamp",
        }
    }
}

/// A stored expiry, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Expiry {
    pub at: DateTime<Utc>,
    pub unit: ExpiryUnit,
    /// The stored value as text, for messages.
    pub raw: String,
}

/// What the expiry column held.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpiryField {
    /// No expiry column, or NULL / empty.
    Missing,
    Unreadable(String),
    Known(Expiry),
}

/// Epoch values at or above this are milliseconds: as seconds they would be past the year 5000,
/// as milliseconds they are after 1973.
const MILLIS_THRESHOLD: i64 = 100_000_000_000;

impl ExpiryField {
    pub fn read(value: &SqlValue) -> ExpiryField {
        match value {
            SqlValue::Null => ExpiryField::Missing,
            SqlValue::Int(n) => from_epoch(*n, n.to_string()),
            SqlValue::Float(f) if !f.is_finite() => ExpiryField::Unreadable(f.to_string()),
            SqlValue::Float(f) => from_epoch(*f as i64, f.to_string()),
            SqlValue::Timestamp(at) => ExpiryField::Known(Expiry {
                at: *at,
                unit: ExpiryUnit::Timestamp,
                raw: at.to_rfc3339(),
            }),
            SqlValue::Text(text) => from_text(text.trim()),
            SqlValue::Bytes(_) => match value.text() {
                Some(text) => from_text(&text),
                None if value.is_not_text() => {
                    ExpiryField::Unreadable(value.shown().unwrap_or_default())
                }
                None => ExpiryField::Missing,
            },
            SqlValue::OutOfRange(raw) => ExpiryField::Unreadable(raw.clone()),
        }
    }
}

fn from_epoch(value: i64, raw: String) -> ExpiryField {
    let (at, unit) = if value.unsigned_abs() >= MILLIS_THRESHOLD.unsigned_abs() {
        (
            Utc.timestamp_millis_opt(value).single(),
            ExpiryUnit::EpochMillis,
        )
    } else {
        (
            Utc.timestamp_opt(value, 0).single(),
            ExpiryUnit::EpochSeconds,
        )
    };
    match at {
        Some(at) => ExpiryField::Known(Expiry { at, unit, raw }),
        None => ExpiryField::Unreadable(raw),
    }
}

fn from_text(text: &str) -> ExpiryField {
    if text.is_empty() {
        return ExpiryField::Missing;
    }
    if let Ok(number) = text.parse::<i64>() {
        return from_epoch(number, text.to_owned());
    }
    if let Ok(number) = text.parse::<f64>() {
        if !number.is_finite() {
            return ExpiryField::Unreadable(text.to_owned());
        }
        return from_epoch(number as i64, text.to_owned());
    }
    let known = |at: DateTime<Utc>| {
        ExpiryField::Known(Expiry {
            at,
            unit: ExpiryUnit::Timestamp,
            raw: text.to_owned(),
        })
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return known(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return known(at.with_timezone(&Utc));
        }
    }
    // A timestamp without a zone is taken as UTC, as databases store them by default.
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return known(at.and_utc());
        }
    }
    ExpiryField::Unreadable(text.to_owned())
}

impl Expiry {
    /// Why this expiry cannot be right for a Zoho access token, if it cannot.
    pub fn implausibility(&self, now: DateTime<Utc>) -> Option<String> {
        let ahead = self.at - now;
        if self.at.timestamp() < 946_684_800 {
            return Some(format!(
                "the stored expiry `{}` reads as {} ({}), long before Zoho tokens existed; the column may hold a duration such as expires_in instead of a point in time",
                self.raw,
                self.at.format("%Y-%m-%d"),
                self.unit.describe()
            ));
        }
        if ahead > chrono::Duration::days(1) {
            return Some(format!(
                "the stored expiry `{}` is {} days ahead, but Zoho access tokens live one hour; the value may be in the wrong unit or hand-set",
                self.raw,
                ahead.num_days()
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(field: ExpiryField) -> (DateTime<Utc>, ExpiryUnit) {
        match field {
            ExpiryField::Known(expiry) => (expiry.at, expiry.unit),
            other => panic!("expected an expiry, got {other:?}"),
        }
    }

    #[test]
    fn epoch_seconds_and_milliseconds_are_told_apart_by_magnitude() {
        let seconds = at(ExpiryField::read(&SqlValue::Int(1_800_000_000)));
        let millis = at(ExpiryField::read(&SqlValue::Int(1_800_000_000_000)));
        assert_eq!(seconds.0, millis.0);
        assert_eq!(seconds.1, ExpiryUnit::EpochSeconds);
        assert_eq!(millis.1, ExpiryUnit::EpochMillis);
    }

    #[test]
    fn epoch_as_text_is_read() {
        let (when, unit) = at(ExpiryField::read(&SqlValue::Text("1800000000000".into())));
        assert_eq!(when.timestamp(), 1_800_000_000);
        assert_eq!(unit, ExpiryUnit::EpochMillis);
    }

    #[test]
    fn timestamps_in_text_are_read() {
        for text in [
            "2027-01-15T10:00:00Z",
            "2027-01-15T10:00:00+00:00",
            "2027-01-15 10:00:00",
            "2027-01-15 10:00:00+00",
            "2027-01-15 10:00:00.000",
        ] {
            let (when, unit) = at(ExpiryField::read(&SqlValue::Text(text.into())));
            assert_eq!(when.to_rfc3339(), "2027-01-15T10:00:00+00:00", "{text}");
            assert_eq!(unit, ExpiryUnit::Timestamp);
        }
    }

    #[test]
    fn empty_and_null_are_missing_and_garbage_is_unreadable() {
        assert_eq!(ExpiryField::read(&SqlValue::Null), ExpiryField::Missing);
        assert_eq!(
            ExpiryField::read(&SqlValue::Text(" ".into())),
            ExpiryField::Missing
        );
        assert_eq!(
            ExpiryField::read(&SqlValue::Text("soon".into())),
            ExpiryField::Unreadable("soon".into())
        );
    }

    #[test]
    fn extreme_values_are_unreadable_not_a_crash() {
        assert!(matches!(
            ExpiryField::read(&SqlValue::Int(i64::MIN)),
            ExpiryField::Unreadable(_)
        ));
        assert!(matches!(
            ExpiryField::read(&SqlValue::Float(-1e300)),
            ExpiryField::Unreadable(_)
        ));
        assert!(matches!(
            ExpiryField::read(&SqlValue::Text("-9223372036854775808".into())),
            ExpiryField::Unreadable(_)
        ));
    }

    #[test]
    fn times_no_calendar_holds_are_unreadable_with_their_text() {
        for (value, raw) in [
            (SqlValue::OutOfRange("infinity".into()), "infinity"),
            (SqlValue::OutOfRange("-infinity".into()), "-infinity"),
            (
                SqlValue::OutOfRange("0000-00-00 00:00:00".into()),
                "0000-00-00 00:00:00",
            ),
            (SqlValue::Float(f64::NAN), "NaN"),
            (SqlValue::Float(f64::INFINITY), "inf"),
            (SqlValue::Text("NaN".into()), "NaN"),
        ] {
            assert_eq!(
                ExpiryField::read(&value),
                ExpiryField::Unreadable(raw.into())
            );
        }
    }

    #[test]
    fn bytes_read_as_text_when_they_are_text_and_show_in_hex_when_not() {
        let (when, _) = at(ExpiryField::read(&SqlValue::Bytes(b"1800000000".to_vec())));
        assert_eq!(when.timestamp(), 1_800_000_000);
        assert_eq!(
            ExpiryField::read(&SqlValue::Bytes(vec![0xff, 0x01])),
            ExpiryField::Unreadable("x'ff01'".into())
        );
        assert!(SqlValue::Bytes(vec![0xff]).is_not_text());
        assert!(!SqlValue::Bytes(b"u1".to_vec()).is_not_text());
        assert_eq!(SqlValue::Bytes(vec![0xff]).text(), None);
    }

    #[test]
    fn a_duration_stored_as_expiry_is_implausible() {
        let (when, unit) = at(ExpiryField::read(&SqlValue::Int(3600)));
        let expiry = Expiry {
            at: when,
            unit,
            raw: "3600".into(),
        };
        assert!(
            expiry
                .implausibility(Utc::now())
                .unwrap()
                .contains("duration")
        );
    }

    #[test]
    fn an_expiry_years_ahead_is_implausible() {
        let expiry = Expiry {
            at: Utc::now() + chrono::Duration::days(400),
            unit: ExpiryUnit::EpochSeconds,
            raw: "x".into(),
        };
        assert!(
            expiry
                .implausibility(Utc::now())
                .unwrap()
                .contains("days ahead")
        );
        let fine = Expiry {
            at: Utc::now() + chrono::Duration::minutes(50),
            unit: ExpiryUnit::EpochSeconds,
            raw: "x".into(),
        };
        assert_eq!(fine.implausibility(Utc::now()), None);
    }
}
