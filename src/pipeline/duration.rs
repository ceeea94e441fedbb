//! Durations as pipelines write them: `500ms`, `10s`, `2m`, `1h`.

use std::time::Duration;

/// Parses `<number><unit>` with unit `ms`, `s`, `m` or `h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = match number.parse() {
        Ok(number) => number,
        // Digits that overflow are a number too large, not "no number".
        Err(_) if !number.is_empty() => return Err(format!("`{text}` is too long")),
        Err(_) => return Err(format!("`{text}` does not start with a whole number")),
    };
    let seconds_per_unit = match unit.trim() {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        other => return Err(format!("`{text}` has unknown unit `{other}`")),
    };
    number
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_too_large_is_too_long_not_missing() {
        assert_eq!(
            parse_duration("99999999999999999999h"),
            Err("`99999999999999999999h` is too long".to_owned())
        );
        assert_eq!(
            parse_duration("h"),
            Err("`h` does not start with a whole number".to_owned())
        );
    }

    #[test]
    fn units_are_read() {
        assert_eq!(parse_duration("120s"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn bad_durations_say_why() {
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("10 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("s").is_err());
        assert!(
            parse_duration("307445734561825861m")
                .unwrap_err()
                .contains("too long")
        );
    }
}
