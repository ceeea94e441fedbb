//! Pipelines: the YAML files of ordered checks. `raw` mirrors the YAML, `validate` turns it
//! into a `Pipeline` once (nothing downstream re-validates), `graph` orders the checks.

mod duration;
mod error;
mod graph;
mod provision;
mod raw;
mod suggest;
mod template;
mod validate;

use std::{path::Path, time::Duration};

pub use duration::parse_duration;
pub use error::{PipelineError, PipelineErrors};
pub use suggest::closest;
pub use template::expand_env;

pub use crate::checks::facts::Settings;
use crate::{checks::CheckSpec, zoho::App};

/// A validated pipeline, ready to run.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub description: Option<String>,
    pub app: App,
    pub settings: Settings,
    pub checks: Vec<CheckDef>,
    /// The file it came from, for messages.
    pub source: String,
}

/// One check of a pipeline, with its dependencies as indexes into `Pipeline::checks`.
#[derive(Debug, Clone)]
pub struct CheckDef {
    pub id: String,
    pub spec: CheckSpec,
    /// Must have passed (or warned) for this check to run.
    pub needs: Vec<usize>,
    /// Must have finished, whatever its result, before this check runs.
    pub after: Vec<usize>,
    pub timeout: Duration,
}

/// Reads and validates a pipeline file. Environment variables come from the process.
pub fn load_file(path: &Path) -> Result<Pipeline, PipelineErrors> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| {
        PipelineErrors::single(PipelineError::whole_file(
            &name,
            format!("cannot read the pipeline: {err}"),
            Some("check the path given to -p".to_owned()),
        ))
    })?;
    load_str(&text, &name, &|var| std::env::var(var).ok())
}

/// Parses and validates pipeline text; `file` names it in errors, `env` resolves `${NAME}`.
pub fn load_str(
    text: &str,
    file: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Pipeline, PipelineErrors> {
    let raw = raw::parse(text, file)?;
    validate::validate(raw, file, env)
}

/// The pipelines shipped with zoho-doctor, embedded so `demo` works from any directory.
pub mod shipped {
    pub const DESK: (&str, &str) = ("checks/desk.yaml", include_str!("../../checks/desk.yaml"));
    pub const CRM: (&str, &str) = ("checks/crm.yaml", include_str!("../../checks/crm.yaml"));
}
