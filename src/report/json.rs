//! JSON for machines: `report::model::RunReport` as is (its field names are the documented,
//! stable interface; see README "JSON output").

use super::{
    model::{ConnectionReport, RunReport},
    spool::Run,
};

/// The key and indent `render` gives the connections: a run's head (its connections empty) is
/// rendered with them at this place.
const CONNECTIONS: &str = "\n  \"connections\": []";
/// The indent of a connection inside the report's `connections` array.
const INDENT: &str = "\n    ";

pub fn render(report: &RunReport) -> String {
    // Serialising plain strings, numbers and enums cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
}

/// Writes the report to `out` as `render` renders it, without holding it whole as text.
pub fn write(report: &RunReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_run(report.whole(), out)
}

/// One connection's text, as `render` writes it inside the report (indented for its place in
/// the `connections` array), for `write_run` and the spool.
pub fn fragment(connection: &ConnectionReport) -> Vec<u8> {
    // Serialising plain strings, numbers and enums cannot fail.
    let text = serde_json::to_string_pretty(connection).unwrap_or_default();
    // A JSON string holds no line break (it is escaped), so every one is the layout's.
    text.replace('\n', INDENT).into_bytes()
}

/// A connection back from its `fragment`.
pub fn parse_fragment(text: &[u8]) -> std::io::Result<ConnectionReport> {
    serde_json::from_slice(text).map_err(std::io::Error::from)
}

/// Writes a run to `out` as `render` renders it, one connection at a time: a fleet's report
/// is never held whole, and a spooled connection's text is copied as it was rendered.
pub fn write_run(run: Run<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let text = render(&run.head.head());
    // The key (a quote in a string value is escaped, so this is the key), where the
    // connections go.
    let at = text.find(CONNECTIONS).unwrap_or(text.len());
    let open = (at + CONNECTIONS.len() - 1).min(text.len());
    out.write_all(&text.as_bytes()[..open])?;
    let mut first = true;
    run.connections.each_json(&mut |fragment| {
        out.write_all(if first { INDENT.as_bytes() } else { b",\n    " })?;
        first = false;
        out.write_all(fragment)
    })?;
    if !first {
        out.write_all(b"\n  ")?;
    }
    out.write_all(&text.as_bytes()[open..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        report::{
            model::{CheckReport, ConnectionReport, Detail, Status},
            spool::spooled,
        },
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

    #[test]
    fn a_spooled_run_renders_byte_for_byte_as_the_same_run_held_whole() {
        let connection = |user: &str, status| ConnectionReport {
            user: user.to_owned(),
            dc: Some("eu".to_owned()),
            status,
            checks: Vec::new(),
            profile: vec![Detail {
                name: "Name".to_owned(),
                value: "line\nbreak \"connections\": []".to_owned(),
            }],
            changes: Vec::new(),
            write_failed: false,
        };
        for users in [vec![], vec!["a"], vec!["a", "b", "c"]] {
            let connections: Vec<ConnectionReport> = users
                .iter()
                .map(|user| connection(user, Status::Pass))
                .collect();
            let whole = RunReport {
                tool: "zoho-doctor 1".to_owned(),
                pipeline: "p".to_owned(),
                pipeline_file: "builtin:desk".to_owned(),
                app: "desk".to_owned(),
                store: "\"connections\": []".to_owned(),
                started_at: "2026-01-01T00:00:00+00:00".to_owned(),
                duration_ms: 1,
                shard: None,
                summary: RunReport::summarise(&connections),
                connections: connections.clone(),
                interrupted: false,
            };
            let spool = spooled(&connections);
            let head = RunReport {
                connections: Vec::new(),
                ..whole.clone()
            };
            let (mut spooled, mut streamed) = (Vec::new(), Vec::new());
            write_run(
                Run {
                    head: &head,
                    connections: &spool,
                },
                &mut spooled,
            )
            .expect("writes");
            write(&whole, &mut streamed).expect("writes");
            assert_eq!(String::from_utf8(spooled).unwrap(), render(&whole));
            assert_eq!(String::from_utf8(streamed).unwrap(), render(&whole));
        }
    }
}
