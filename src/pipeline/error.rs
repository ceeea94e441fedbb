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
            message: message.into(),
            fix,
        }
    }

    pub fn whole_file(file: &str, message: impl Into<String>, fix: Option<String>) -> Self {
        PipelineError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
            fix,
        }
    }
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
