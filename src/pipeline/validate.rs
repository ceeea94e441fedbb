//! Raw pipeline -> `Pipeline`, once: unknown kinds and options, duplicate ids, unknown or cyclic
//! `needs`, bad durations and unset `${ENV}` are each reported with file:line:column and a fix,
//! all of them in one pass, before any network.

use std::time::Duration;

use super::{
    CheckDef, Pipeline, PipelineError, PipelineErrors, Settings,
    duration::parse_duration,
    fact_names::{self, FactNames},
    graph::find_cycle,
    provision::{kinds_providing, unprovided},
    raw::{RawCheck, RawPipeline, S},
    suggest::closest,
    template::expand_env,
};
use crate::{
    checks::{COMMON_CHECK_KEYS, CheckSpec, Kind, Options, facts::CRM_API_VERSIONS},
    zoho::App,
};

struct Validator<'a> {
    file: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<PipelineError>,
}

impl Validator<'_> {
    fn error<T>(&mut self, at: &S<T>, message: impl Into<String>, fix: impl Into<Option<String>>) {
        self.errors.push(PipelineError::at(
            self.file,
            at.referenced,
            message,
            fix.into(),
        ));
    }

    /// `${NAME}` expanded, or an error at the value.
    fn expand(&mut self, value: &S<String>) -> Option<String> {
        match expand_env(&value.value, self.env) {
            Ok(expanded) => Some(expanded),
            Err(why) => {
                self.error(
                    value,
                    why,
                    "export it before running, or remove the reference".to_owned(),
                );
                None
            }
        }
    }

    fn duration(&mut self, value: &S<String>, key: &str) -> Option<Duration> {
        let expanded = self.expand(value)?;
        match parse_duration(&expanded) {
            Ok(duration) if !duration.is_zero() => Some(duration),
            Ok(_) => {
                self.error(value, format!("`{key}` must be more than zero"), None);
                None
            }
            Err(why) => {
                self.error(
                    value,
                    format!("bad duration for `{key}`: {why}"),
                    "write a whole number with a unit: `500ms`, `10s`, `2m` or `1h`".to_owned(),
                );
                None
            }
        }
    }
}

pub fn validate(
    raw: RawPipeline,
    file: &str,
    source: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Pipeline, PipelineErrors> {
    let mut v = Validator {
        file,
        env,
        errors: Vec::new(),
    };
    let app = match raw.app.value.as_str() {
        "desk" => Some(App::Desk),
        "crm" => Some(App::Crm),
        other => {
            v.error(
                &raw.app,
                format!("unknown app `{other}`"),
                "use `desk` or `crm`".to_owned(),
            );
            None
        }
    };
    let settings = settings(&mut v, raw.settings.as_ref());
    if raw.name.value.trim().is_empty() {
        v.error(
            &raw.name,
            "the pipeline `name` is empty",
            "give it a name; it labels the JUnit suites".to_owned(),
        );
    }
    if raw.checks.value.is_empty() {
        v.error(
            &raw.checks,
            "the pipeline has no checks",
            "list at least one check under `checks:`".to_owned(),
        );
    }

    let checks = &raw.checks.value;
    let ids: Vec<&str> = checks.iter().map(|check| check.id.value.as_str()).collect();
    for (index, check) in checks.iter().enumerate() {
        let id = &check.id.value;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            v.error(
                &check.id,
                format!("check id `{id}` is not usable"),
                "use letters, digits, `-` and `_`".to_owned(),
            );
        }
        if let Some(first) = ids[..index].iter().position(|other| other == id) {
            v.error(
                &check.id,
                format!(
                    "duplicate check id `{id}` (first used at line {})",
                    checks[first].id.referenced.line()
                ),
                "give each check its own id".to_owned(),
            );
        }
    }

    let mut defs = Vec::new();
    let mut edges: Vec<Vec<usize>> = Vec::new();
    let mut kinds: Vec<Option<Kind>> = Vec::new();
    let mut needs_of: Vec<Vec<usize>> = Vec::new();
    let mut refreshes = 0;
    let mut fact_names: Vec<FactNames> = Vec::new();
    for (index, check) in checks.iter().enumerate() {
        let needs = match &check.needs {
            Some(needs) => resolve(&mut v, needs, &ids, "needs"),
            // Order is the file's order: by default a check needs the one before it.
            None => index.checked_sub(1).into_iter().collect(),
        };
        let after = check
            .after
            .as_ref()
            .map(|after| resolve(&mut v, after, &ids, "after"))
            .unwrap_or_default();
        edges.push(needs.iter().chain(&after).copied().collect());
        fact_names.push(FactNames::default());
        needs_of.push(needs.clone());
        kinds.push(Kind::from_name(&check.kind.value));
        let timeout = check
            .timeout
            .as_ref()
            .and_then(|timeout| v.duration(timeout, "timeout"))
            .unwrap_or(settings.timeout);
        let Some(kind) = Kind::from_name(&check.kind.value) else {
            let names = Kind::ALL.iter().map(|kind| kind.name());
            let fix = match closest(&check.kind.value, names) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => "run `zoho-doctor list` for the check kinds".to_owned(),
            };
            v.error(
                &check.kind,
                format!("unknown check kind `{}`", check.kind.value),
                fix,
            );
            continue;
        };
        if let (Some(kind_app), Some(app)) = (kind.app(), app)
            && kind_app != app
        {
            v.error(
                &check.kind,
                format!(
                    "`{}` checks Zoho {} but this pipeline has `app: {}`",
                    kind.name(),
                    kind_app.name(),
                    app.name()
                ),
                format!("remove the check or set `app: {}`", kind_app.name()),
            );
        }
        if kind == Kind::TokenRefresh {
            refreshes += 1;
            if refreshes > 1 {
                v.error(
                    &check.kind,
                    "a pipeline may refresh only once per connection (Zoho's token budget)",
                    "remove the second `token-refresh` check".to_owned(),
                );
            }
        }
        if let Some(spec) = spec(&mut v, kind, check, app) {
            fact_names[index] = FactNames::of(&spec);
            defs.push(CheckDef {
                id: check.id.value.clone(),
                spec,
                needs,
                after,
                timeout,
            });
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let path: Vec<String> = cycle.iter().map(|&i| format!("`{}`", ids[i])).collect();
        v.error(
            &checks[cycle[0]].id,
            format!("checks {} wait for each other", path.join(" -> ")),
            "remove one of these `needs`/`after` entries".to_owned(),
        );
    } else if let Some(kinds) = kinds.into_iter().collect::<Option<Vec<Kind>>>() {
        v.errors.extend(fact_names::check(
            file,
            source,
            &ids,
            &fact_names,
            &needs_of,
        ));
        // Only over a graph that is whole: an unknown kind or a cycle is already reported.
        for missing in unprovided(&kinds, &needs_of) {
            let check = &checks[missing.check];
            let fix = match missing.providers.first() {
                Some(&provider) => format!(
                    "add `{}` to its `needs` (`after` only orders, it does not pass facts on)",
                    ids[provider]
                ),
                None => format!(
                    "add a `{}` check before it and name it in `needs`",
                    kinds_providing(missing.fact).join("` or `")
                ),
            };
            v.error(
                &check.kind,
                format!(
                    "check `{}` ({}) needs {}, which none of the checks it needs provides: it could only be skipped",
                    check.id.value,
                    kinds[missing.check].name(),
                    missing.fact.describe()
                ),
                fix,
            );
        }
    }
    if !v.errors.is_empty() {
        // In file order, as the user reads the file.
        v.errors.sort_by_key(|error| (error.line, error.column));
        return Err(PipelineErrors(v.errors));
    }
    Ok(Pipeline {
        name: raw.name.value,
        description: raw.description,
        app: app.unwrap_or(App::Desk),
        settings,
        checks: defs,
        source: file.to_owned(),
    })
}

fn settings(v: &mut Validator<'_>, raw: Option<&super::raw::RawSettings>) -> Settings {
    let mut settings = Settings::default();
    let Some(raw) = raw else {
        return settings;
    };
    if let Some(skew) = raw
        .refresh_skew
        .as_ref()
        .and_then(|s| v.duration(s, "refresh_skew"))
    {
        settings.refresh_skew = skew;
    }
    if let Some(timeout) = raw.timeout.as_ref().and_then(|s| v.duration(s, "timeout")) {
        settings.timeout = timeout;
    }
    if let Some(retries) = &raw.retries {
        if retries.value > 10 {
            v.error(
                retries,
                format!("`retries: {}` is too many", retries.value),
                "use 0 to 10".to_owned(),
            );
        } else {
            settings.retries = retries.value;
        }
    }
    if let Some(version) = &raw.api_version
        && let Some(expanded) = v.expand(version)
    {
        if CRM_API_VERSIONS.contains(&expanded.as_str()) {
            settings.api_version = expanded;
        } else {
            v.error(
                version,
                format!(
                    "`api_version: {}`{} is not a CRM API version",
                    version.value,
                    once_expanded(version)
                ),
                "use `v8` (Zoho's current CRM API) or an older `v2`, `v2.1`, `v3` … `v7`"
                    .to_owned(),
            );
        }
    }
    settings
}

fn resolve(v: &mut Validator<'_>, list: &S<Vec<S<String>>>, ids: &[&str], key: &str) -> Vec<usize> {
    let mut resolved = Vec::new();
    for name in &list.value {
        match ids.iter().position(|id| *id == name.value) {
            Some(index) => resolved.push(index),
            None => {
                let fix = match closest(&name.value, ids.iter().copied()) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => {
                        let mut known: Vec<&str> = ids.to_vec();
                        known.dedup();
                        format!("name one of: {}", known.join(", "))
                    }
                };
                v.error(
                    name,
                    format!(
                        "`{key}` names `{}`, which is not a check id in this pipeline",
                        name.value
                    ),
                    fix,
                );
            }
        }
    }
    resolved
}

/// The kind's typed options, read by the kind's own file; options it does not take are errors.
fn spec(
    v: &mut Validator<'_>,
    kind: Kind,
    check: &RawCheck,
    app: Option<App>,
) -> Option<CheckSpec> {
    let mut ok = true;
    for (option, value) in &check.options {
        if kind.options().iter().any(|known| known.name == option) {
            continue;
        }
        let takes = if kind.options().is_empty() {
            "it takes no options".to_owned()
        } else {
            let names: Vec<&str> = kind.options().iter().map(|known| known.name).collect();
            format!("its options are: {}", names.join(", "))
        };
        v.errors.push(PipelineError::at(
            v.file,
            value.referenced,
            format!("`{option}` is not an option of `{}`", kind.name()),
            Some(format!(
                "{takes} (besides {})",
                COMMON_CHECK_KEYS.join(", ")
            )),
        ));
        ok = false;
    }
    let env = v.env;
    let expand = |text: &str| {
        expand_env(text, env).map_err(|why| {
            (
                why,
                "export it before running, or remove the reference".to_owned(),
            )
        })
    };
    let mut options = Options::new(&check.options, &expand, app);
    let spec = kind.configure(&mut options);
    for problem in options.into_problems() {
        v.errors.push(PipelineError::at(
            v.file,
            problem.at,
            problem.message,
            problem.fix,
        ));
    }
    spec.filter(|_| ok)
}

/// Messages show values as the file has them: an environment variable's value may be a
/// secret, so they never show what `${NAME}` expanded to, only that it was.
fn once_expanded(value: &S<String>) -> &'static str {
    if value.value.contains("${") {
        " (once expanded)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{checks::CheckSpec, pipeline::load_str};

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn errors(yaml: &str) -> Vec<String> {
        match load_str(yaml, "p.yaml", &no_env) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    const HEAD: &str = "name: t\napp: desk\nchecks:\n";

    #[test]
    fn needs_default_to_the_previous_check_and_after_is_kept_apart() {
        let yaml = format!(
            "{HEAD}  - id: a\n    kind: connection-exists\n  - id: b\n    kind: token-refresh\n  - id: c\n    kind: data-centre\n    needs: [a]\n    after: [b]\n  - id: d\n    kind: scopes\n    needs: []\n"
        );
        let pipeline = load_str(&yaml, "p.yaml", &no_env).unwrap();
        let needs: Vec<Vec<usize>> = pipeline.checks.iter().map(|c| c.needs.clone()).collect();
        assert_eq!(needs, vec![vec![], vec![0], vec![0], vec![]]);
        assert_eq!(pipeline.checks[2].after, vec![1]);
    }

    #[test]
    fn settings_fill_defaults_and_check_timeouts_override_them() {
        let yaml = "name: t\napp: desk\nsettings: { refresh_skew: 5m, retries: 0 }\nchecks:\n  - id: a\n    kind: connection-exists\n    timeout: 750ms\n  - id: b\n    kind: token-refresh\n";
        let pipeline = load_str(yaml, "p.yaml", &no_env).unwrap();
        assert_eq!(pipeline.settings.refresh_skew, Duration::from_secs(300));
        assert_eq!(pipeline.settings.retries, 0);
        assert_eq!(pipeline.checks[0].timeout, Duration::from_millis(750));
        assert_eq!(pipeline.checks[1].timeout, Duration::from_secs(10));
    }

    #[test]
    fn api_version_defaults_to_v8_and_accepts_only_zohos_versions() {
        let crm = |settings: &str| {
            format!(
                "name: t\napp: crm\n{settings}checks:\n  - id: a\n    kind: connection-exists\n"
            )
        };
        let pipeline = load_str(&crm(""), "p.yaml", &no_env).unwrap();
        assert_eq!(pipeline.settings.api_version, "v8");
        for version in ["v2", "v2.1", "v3", "v7", "v8"] {
            let yaml = crm(&format!("settings: {{ api_version: \"{version}\" }}\n"));
            let pipeline = load_str(&yaml, "p.yaml", &no_env).unwrap();
            assert_eq!(pipeline.settings.api_version, version);
        }
        for version in ["v9", "v2.2", "v1", "8", "v8.0"] {
            let yaml = crm(&format!("settings: {{ api_version: \"{version}\" }}\n"));
            let found = errors(&yaml);
            assert!(
                found.iter().any(|e| e.contains("is not a CRM API version")),
                "{version}: {found:?}"
            );
        }
    }

    #[test]
    fn scopes_default_by_app() {
        let desk = load_str(
            &format!("{HEAD}  - id: s\n    kind: scopes\n"),
            "p",
            &no_env,
        )
        .unwrap();
        let CheckSpec::Scopes(check) = &desk.checks[0].spec else {
            panic!("scopes")
        };
        let names: Vec<String> = check.require.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "Desk.basic.READ or Desk.organization.READ or Desk.settings.READ",
                "Desk.basic.READ or Desk.settings.READ"
            ]
        );
        let crm = load_str(
            "name: t\napp: crm\nchecks:\n  - id: s\n    kind: scopes\n",
            "p",
            &no_env,
        )
        .unwrap();
        let CheckSpec::Scopes(check) = &crm.checks[0].spec else {
            panic!("scopes")
        };
        assert_eq!(
            check.require[0].to_string(),
            "ZohoCRM.settings.profiles.READ or ZohoCRM.settings.profiles.ALL"
        );
    }

    #[test]
    fn environment_values_are_expanded_at_load() {
        let env = |name: &str| (name == "AGENT").then(|| "42".to_owned());
        let yaml = format!(
            "{HEAD}  - id: r\n    kind: token-refresh\n  - id: p\n    kind: desk-profile\n    path: /agents/${{AGENT}}\n"
        );
        let pipeline = load_str(&yaml, "p", &env).unwrap();
        let CheckSpec::DeskProfile(check) = &pipeline.checks[1].spec else {
            panic!("profile")
        };
        assert_eq!(check.path, "/agents/42");
    }

    #[test]
    fn every_problem_is_reported_in_one_pass_with_its_position() {
        let yaml = format!(
            "{HEAD}  - id: a\n    kind: connection-exist\n  - id: a\n    kind: token-refresh\n    needs: [zz]\n"
        );
        let found = errors(&yaml);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("p.yaml:5:11: unknown check kind `connection-exist`; did you mean `connection-exists`?"), "{found:?}");
        assert!(
            found[1].starts_with("p.yaml:6:9: duplicate check id `a`"),
            "{found:?}"
        );
        assert_eq!(
            found[2],
            "p.yaml:8:13: `needs` names `zz`, which is not a check id in this pipeline; name one of: a"
        );
    }

    #[test]
    fn bad_app_and_empty_checks_are_rejected() {
        let found = errors("name: t\napp: books\nchecks: []\n");
        assert!(
            found
                .iter()
                .any(|e| e.contains("unknown app `books`; use `desk` or `crm`")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.contains("the pipeline has no checks")),
            "{found:?}"
        );
    }

    #[test]
    fn a_check_whose_facts_nothing_provides_is_refused_but_one_that_needs_none_is_fine() {
        let found = errors(&format!("{HEAD}  - id: p\n    kind: desk-profile\n"));
        assert_eq!(
            found,
            [
                "p.yaml:5:11: check `p` (desk-profile) needs a usable access token, which none of the checks it needs provides: it could only be skipped; add a `token-refresh` check before it and name it in `needs`"
            ]
        );
        assert!(errors(&format!("{HEAD}  - id: c\n    kind: connection-exists\n")).is_empty());
    }

    #[test]
    fn bad_profile_path_is_rejected() {
        let found = errors(&format!(
            "{HEAD}  - id: p\n    kind: desk-profile\n    path: https://evil.example/x\n"
        ));
        assert!(
            found
                .iter()
                .any(|e| e.contains("must be a path under /api/v1")),
            "{found:?}"
        );
    }
}
