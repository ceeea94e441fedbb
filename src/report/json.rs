//! JSON for machines: `report::model::RunReport` as is (its field names are the documented,
//! stable interface; see README "JSON output").

use super::model::RunReport;

pub fn render(report: &RunReport) -> String {
    // Serialising plain strings, numbers and enums cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
}
