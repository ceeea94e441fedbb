//! Pipeline errors that point at the YAML: `file:line:column: what is wrong; how to fix it`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineError {
    pub file: String,
    /// 1-based; 0 when the problem is the whole file.
    pub line: u64,
    pub column: u64,
    pub message: String,
    pub fix: Option<String>,
}

impl PipelineError {
    pub fn at(
        file: &str,
        location: serde_saphyr::Location,
        message: impl Into<String>,
        fix: Option<String>,
    ) -> Self {
        PipelineError {
            file: file.to_owned(),
            line: location.line(),
            column: location.column(),
            message: shorten_quoted(&message.into()),
            fix: fix.map(|fix| shorten_quoted(&fix)),
        }
    }

    pub fn whole_file(file: &str, message: impl Into<String>, fix: Option<String>) -> Self {
        PipelineError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message: shorten_quoted(&message.into()),
            fix: fix.map(|fix| shorten_quoted(&fix)),
        }
    }
}

/// A value quoted in a message is shown up to this many characters.
const LONGEST_QUOTE: usize = 60;

/// Messages quote what the file says in backticks; a 1 MB id or key is shown by its start and
/// length, not echoed whole.
fn shorten_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    for (index, part) in message.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        let quoted = index % 2 == 1;
        if quoted {
            out.push_str(&crate::text::clip(part, LONGEST_QUOTE));
        } else {
            out.push_str(part);
        }
    }
    out
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )?;
        } else {
            write!(f, "{}: {}", self.file, self.message)?;
        }
        if let Some(fix) = &self.fix {
            write!(f, "; {fix}")?;
        }
        Ok(())
    }
}

/// Every problem found in one pipeline, so the user fixes them in one pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PipelineErrors(pub Vec<PipelineError>);

impl PipelineErrors {
    pub fn single(error: PipelineError) -> Self {
        PipelineErrors(vec![error])
    }
}

impl fmt::Display for PipelineErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_quoted_value_is_shown_by_its_start_and_what_is_left_out() {
        let id = "x".repeat(1_000_000);
        let error =
            PipelineError::whole_file("p.yaml", format!("check id `{id}` is not usable"), None);
        assert_eq!(
            error.message,
            format!(
                "check id `{}… and 999940 more characters` is not usable",
                "x".repeat(60)
            )
        );
        let short = PipelineError::whole_file("p.yaml", "unknown app `books`", None);
        assert_eq!(short.message, "unknown app `books`");
    }
}
