//! The pipelines shipped inside the binary (`-p desk`), and which `-p` values name one of them
//! and which name a file.

use std::path::Path;

use super::{Pipeline, PipelineError, PipelineErrors, closest, load_str};

/// One shipped pipeline: its `checks/NAME.yaml` is the source, embedded at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    /// The name `-p` takes: `desk`.
    pub name: &'static str,
    /// How reports and error locations name it: `builtin:desk` (`builtin:desk:12:5: …`).
    pub source: &'static str,
    /// The YAML, verbatim (comments included: `pipelines show` prints it to customise).
    pub text: &'static str,
}

pub const DESK: Builtin = Builtin {
    name: "desk",
    source: "builtin:desk",
    text: include_str!("../../checks/desk.yaml"),
};
pub const CRM: Builtin = Builtin {
    name: "crm",
    source: "builtin:crm",
    text: include_str!("../../checks/crm.yaml"),
};
pub const ONBOARDING: Builtin = Builtin {
    name: "onboarding",
    source: "builtin:onboarding",
    text: include_str!("../../checks/onboarding.yaml"),
};

/// Every built-in, in the order `zoho-doctor pipelines` lists them.
pub const BUILTINS: [Builtin; 3] = [DESK, CRM, ONBOARDING];

/// The most characters of a `-p` value a message echoes.
const ECHO_CHARS: usize = 100;

impl Builtin {
    pub fn find(name: &str) -> Option<Builtin> {
        BUILTINS.into_iter().find(|builtin| builtin.name == name)
    }

    /// Parses and validates it; `${NAME}` comes from `env`.
    pub fn load(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Pipeline, PipelineErrors> {
        load_str(self.text, self.source, env)
    }
}

/// What a `-p` (or `validate`) value names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice<'a> {
    Builtin(Builtin),
    File(&'a Path),
}

/// A value with a path separator or a `.yaml`/`.yml` suffix (or one that is not UTF-8) is a
/// file; any other bare name is a built-in's, so `-p desk` never depends on the current
/// directory. An unknown name is an error listing the built-ins, with "did you mean", and
/// `./NAME` when such a file is here.
pub fn choose(value: &Path) -> Result<Choice<'_>, PipelineErrors> {
    let Some(text) = value.to_str() else {
        return Ok(Choice::File(value));
    };
    let lower = text.to_ascii_lowercase();
    if text.chars().any(std::path::is_separator)
        || lower.ends_with(".yaml")
        || lower.ends_with(".yml")
    {
        return Ok(Choice::File(value));
    }
    if let Some(builtin) = Builtin::find(text) {
        return Ok(Choice::Builtin(builtin));
    }
    Err(unknown(text, value.is_file()))
}

/// The error for a bare name that is no built-in; `file_here`: a file of that name exists in
/// the current directory.
fn unknown(name: &str, file_here: bool) -> PipelineErrors {
    let names: Vec<&str> = BUILTINS.iter().map(|builtin| builtin.name).collect();
    let shown = crate::text::echo(name, ECHO_CHARS);
    let mut fixes = Vec::new();
    if let Some(near) = closest(name, names.iter().copied()) {
        fixes.push(format!("did you mean `{near}`?"));
    }
    if file_here {
        fixes.push(format!(
            "to read the file `{shown}` here, write `./{shown}`"
        ));
    }
    if fixes.is_empty() {
        fixes.push(
            "name a pipeline file with a `/` or a `.yaml` suffix; `zoho-doctor pipelines` lists the built-ins"
                .to_owned(),
        );
    }
    PipelineErrors::single(PipelineError::whole_file(
        &shown,
        format!(
            "not a built-in pipeline (the built-ins: {})",
            names.join(", ")
        ),
        Some(fixes.join("; ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_under_its_builtin_source() {
        for builtin in BUILTINS {
            let pipeline = builtin.load(&|_| None).expect("a built-in is valid");
            assert_eq!(pipeline.source, format!("builtin:{}", builtin.name));
            assert!(
                builtin
                    .text
                    .contains(&format!("app: {}", pipeline.app.name()))
            );
        }
    }

    #[test]
    fn bare_names_are_builtins_and_paths_are_files() {
        assert_eq!(
            choose(Path::new("desk")),
            Ok(Choice::Builtin(DESK)),
            "a bare name"
        );
        assert_eq!(
            choose(Path::new("onboarding")),
            Ok(Choice::Builtin(ONBOARDING))
        );
        for file in [
            "./desk",
            "checks/desk.yaml",
            "desk.yaml",
            "mine.YML",
            "/tmp/x",
        ] {
            assert_eq!(choose(Path::new(file)), Ok(Choice::File(Path::new(file))));
        }
    }

    #[test]
    fn an_unknown_name_lists_the_builtins_and_suggests() {
        let error = choose(Path::new("dsk")).expect_err("no such built-in");
        let text = error.to_string();
        assert!(
            text.contains("not a built-in pipeline (the built-ins: desk, crm, onboarding)"),
            "{text}"
        );
        assert!(text.contains("did you mean `desk`?"), "{text}");
        assert!(!text.contains("./dsk"), "no file here: {text}");

        let here = unknown("mine", true).to_string();
        assert!(here.contains("write `./mine`"), "{here}");
        let neither = unknown("zzzzzz", false).to_string();
        assert!(neither.contains("`zoho-doctor pipelines`"), "{neither}");
    }
}
