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
    Timestamp(DateTime<Utc>),
}

impl SqlValue {
    /// The value as text, `None` for NULL or an empty string.
    pub fn text(&self) -> Option<String> {
        match self {
            SqlValue::Null => None,
            SqlValue::Int(n) => Some(n.to_string()),
            SqlValue::Float(f) => Some(f.to_string()),
            SqlValue::Text(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            SqlValue::Timestamp(at) => Some(at.to_rfc3339()),
        }
    }
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
            SqlValue::Float(f) => from_epoch(*f as i64, f.to_string()),
            SqlValue::Timestamp(at) => ExpiryField::Known(Expiry {
                at: *at,
                unit: ExpiryUnit::Timestamp,
                raw: at.to_rfc3339(),
            }),
            SqlValue::Text(text) => from_text(text.trim()),
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
