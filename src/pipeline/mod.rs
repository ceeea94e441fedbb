//! Pipelines: the YAML files of ordered checks. `raw` mirrors the YAML, `validate` turns it
//! into a `Pipeline` once (nothing downstream re-validates), `graph` orders the checks;
//! `builtin` holds the shipped ones and tells a built-in's name from a file.

mod builtin;
mod duration;
mod error;
mod fact_names;
mod graph;
mod provision;
mod raw;
mod suggest;
mod template;
mod validate;

use std::{path::Path, time::Duration};

pub use builtin::{BUILTINS, Builtin, Choice, choose};
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
    /// The file it came from (`builtin:desk` for a built-in), for messages and reports.
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

/// Loads what a `-p` value names: a built-in (`desk`) or a file (`./desk`, `mine.yaml`).
pub fn load(value: &Path) -> Result<Pipeline, PipelineErrors> {
    match choose(value)? {
        Choice::Builtin(builtin) => builtin.load(&|var| std::env::var(var).ok()),
        Choice::File(path) => load_file(path),
    }
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
    validate::validate(raw, file, text, env)
}

/// The built-ins as `(source, text)` pairs, for `load_str` (the demo runs these).
pub mod shipped {
    pub const DESK: (&str, &str) = (super::builtin::DESK.source, super::builtin::DESK.text);
    pub const CRM: (&str, &str) = (super::builtin::CRM.source, super::builtin::CRM.text);
}
