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
