//! The code's shape, kept so: which layer may import which, no source file past 600 lines, lint
//! exceptions as `#[expect]` with a reason, and exit codes decided in one place. Reads the source
//! files as text.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

const MAX_LINES: usize = 600;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The crate's top-level modules a source text names through `crate::`, in `use crate::{…}`
/// groups or in paths.
fn crate_modules_used(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        used.insert(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            used.insert(first_segment(&item));
        } else {
            used.insert(first_segment(rest));
        }
    }
    used.remove("");
    used
}

/// Test scaffolding (`testing.rs`, `*_tests.rs`) may use anything, the simulator included.
fn is_test_only(file: &Path) -> bool {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name == "testing.rs" || name.ends_with("_tests.rs")
}

/// A file without its trailing `#[cfg(test)] mod tests { … }`.
fn production_part(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |at| &text[..at])
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// `(file, module)` for every `crate::module` the files under `src/<layer>` use outside `allowed`.
fn imports_outside(layer: &str, allowed: &[&str]) -> Vec<(String, String)> {
    let dir = root().join("src").join(layer);
    let files = if dir.is_dir() {
        files_under(&dir)
    } else {
        vec![root().join("src").join(format!("{layer}.rs"))]
    };
    let mut found = Vec::new();
    for file in files.iter().filter(|file| !is_test_only(file)) {
        let text = std::fs::read_to_string(file).expect("readable source file");
        for module in crate_modules_used(production_part(&text)) {
            if module != layer && !allowed.contains(&module.as_str()) {
                let shown = file
                    .strip_prefix(root())
                    .unwrap_or(file)
                    .display()
                    .to_string();
                found.push((shown, module));
            }
        }
    }
    found
}

#[test]
fn the_module_scanner_reads_groups_and_paths() {
    let text = "use crate::{\n    checks::{Kind, outcome::Status},\n    zoho::App,\n};\nlet x = crate::redact::MASK;";
    let found: Vec<String> = crate_modules_used(text).into_iter().collect();
    assert_eq!(found, ["checks", "redact", "zoho"]);
    let with_tests =
        "use crate::zoho::App;\n#[cfg(test)]\nmod tests {\n    use crate::sim::Sim;\n}\n";
    let found: Vec<String> = crate_modules_used(production_part(with_tests))
        .into_iter()
        .collect();
    assert_eq!(
        found,
        ["zoho"],
        "a file's test module is not its production code"
    );
}

#[test]
fn dependencies_point_one_way() {
    // `text` (escaping and clipping what did not come from zoho-doctor) is the bottom layer:
    // it imports nothing, and every layer that shows text may use it.
    // `progress` (the progress line, and every terminal write around it) imports nothing
    // either: the `-v` trace writes through it. `shard` (the `--shard I/N` partition) sits just
    // above `text`: reports record a shard.
    let layers: [(&str, &[&str]); 10] = [
        ("text", &[]),
        ("progress", &[]),
        ("shard", &["text"]),
        ("zoho", &["redact", "text", "progress"]),
        ("store", &["zoho", "redact", "text"]),
        ("checks", &["zoho", "store", "redact", "text"]),
        ("pipeline", &["checks", "zoho", "text"]),
        ("report", &["checks", "redact", "shard", "text"]),
        (
            "runner",
            &[
                "checks", "pipeline", "report", "store", "zoho", "redact", "text",
            ],
        ),
        ("sim", &[]),
    ];
    let mut wrong = Vec::new();
    for (layer, allowed) in layers {
        for (file, module) in imports_outside(layer, allowed) {
            wrong.push(format!("{file} imports `crate::{module}`"));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn reporters_read_only_their_model_the_outcome_types_and_the_redactor() {
    let mut wrong = Vec::new();
    for file in files_under(&root().join("src/report")) {
        let text = std::fs::read_to_string(&file).expect("readable source file");
        for (at, _) in text.match_indices("crate::checks") {
            let path: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if !path.starts_with("crate::checks::outcome") {
                wrong.push(format!("{}: `{path}`", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "reporters reach into checks: {wrong:?}");
}

#[test]
fn no_source_file_grows_past_600_lines() {
    let mut long = Vec::new();
    for dir in ["src", "tests"] {
        for file in files_under(&root().join(dir)) {
            let lines = std::fs::read_to_string(&file)
                .expect("readable source file")
                .lines()
                .count();
            if lines > MAX_LINES {
                long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these before they grow further: {long:?}"
    );
}

#[test]
fn lint_exceptions_are_expectations_with_a_reason() {
    let mut loose = Vec::new();
    for file in files_under(&root().join("src")) {
        let text = std::fs::read_to_string(&file).expect("readable source file");
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("#[allow(") || line.starts_with("#![allow(") {
                loose.push(format!("{}:{}", file.display(), number + 1));
            }
        }
    }
    assert!(
        loose.is_empty(),
        "use #[expect(lint, reason = \"…\")] at {loose:?}"
    );
}

#[test]
fn exit_codes_are_decided_in_exit_rs_alone() {
    let mut elsewhere = Vec::new();
    for file in files_under(&root().join("src")) {
        if file.ends_with("exit.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source file");
        for name in [
            "exit::SUCCESS",
            "exit::CHECK_FAILED",
            "exit::USAGE",
            "process::exit",
        ] {
            if text.contains(name) {
                elsewhere.push(format!("{}: {name}", file.display()));
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "exit codes decided outside exit.rs: {elsewhere:?}"
    );
}
