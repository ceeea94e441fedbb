//! Durations in words for messages: "in 57 min", "3 h ago".

use chrono::TimeDelta;

/// "45 s", "57 min", "3 h", "12 days".
pub fn span(delta: TimeDelta) -> String {
    let seconds = delta.num_seconds().unsigned_abs();
    match seconds {
        0..=119 => format!("{seconds} s"),
        120..=7199 => format!("{} min", seconds / 60),
        7200..=172_799 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}

/// "in 57 min" or "3 h ago".
pub fn relative(delta: TimeDelta) -> String {
    if delta >= TimeDelta::zero() {
        format!("in {}", span(delta))
    } else {
        format!("{} ago", span(delta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(relative(TimeDelta::seconds(45)), "in 45 s");
        assert_eq!(relative(TimeDelta::minutes(57)), "in 57 min");
        assert_eq!(relative(TimeDelta::hours(-3)), "3 h ago");
        assert_eq!(relative(TimeDelta::days(12)), "in 12 days");
    }
}
