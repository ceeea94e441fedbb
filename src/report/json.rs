//! JSON for machines: `report::model::RunReport` as is (its field names are the documented,
//! stable interface; see README "JSON output").

use super::model::RunReport;

pub fn render(report: &RunReport) -> String {
    // Serialising plain strings, numbers and enums cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
}

/// Writes the report to `out` as `render` renders it, without holding it whole as text.
pub fn write(report: &RunReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(out, report).map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        report::model::{CheckReport, ConnectionReport, Detail, Status},
        shard::Shard,
    };

    #[test]
    fn what_it_renders_parses_back_to_the_same_report() {
        let check = |status, hint: Option<&str>| CheckReport {
            id: "refresh".to_owned(),
            kind: "token-refresh".to_owned(),
            status,
            message: "Zoho said \"no\" — \u{1b}[31m".to_owned(),
            hint: hint.map(str::to_owned),
            code: hint.map(|_| "invalid_code".to_owned()),
            evidence: vec!["POST /oauth/v2/token → 200".to_owned()],
            details: vec![Detail {
                name: "expires".to_owned(),
                value: "3600".to_owned(),
            }],
            duration_ms: 12,
        };
        let connections = vec![ConnectionReport {
            user: "u1#2".to_owned(),
            dc: None,
            status: Status::Fail,
            checks: vec![
                check(Status::Fail, Some("re-authorise")),
                check(Status::Skip, None),
            ],
            profile: vec![Detail {
                name: "Name".to_owned(),
                value: "Jörg".to_owned(),
            }],
            changes: vec!["`access_token`: *** → *** (refreshed)".to_owned()],
            write_failed: true,
        }];
        for (shard, interrupted) in [(Some(Shard { index: 2, count: 5 }), true), (None, false)] {
            let report = RunReport {
                tool: "zoho-doctor 1".to_owned(),
                pipeline: "desk-profile".to_owned(),
                pipeline_file: "builtin:desk".to_owned(),
                app: "desk".to_owned(),
                store: "sqlite://x.db".to_owned(),
                started_at: "2026-01-01T00:00:00+00:00".to_owned(),
                duration_ms: 40,
                shard,
                summary: RunReport::summarise(&connections),
                connections: connections.clone(),
                interrupted,
            };
            let text = render(&report);
            assert_eq!(text.contains("\"shard\""), shard.is_some(), "{text}");
            assert_eq!(text.contains("\"interrupted\""), interrupted, "{text}");
            let parsed: RunReport = serde_json::from_str(&text).expect("parses");
            assert_eq!(render(&parsed), text);
        }
    }
}
