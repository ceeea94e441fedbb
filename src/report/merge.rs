//! `zoho-doctor merge`: the JSON reports of one sharded run (`run --shard I/N`) read back and
//! combined into the report one machine would have written. Strict, because a lost pod must not
//! silently drop connections: every shard 0 to N-1 exactly once, all of one run (the same N and
//! pipeline), no unsharded report among them.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use thiserror::Error;

use super::model::{ConnectionReport, RunReport};
use crate::shard::Shard;

/// The most missing shards a message lists.
const LISTED: usize = 5;

/// Shard reports that cannot be merged into one.
#[derive(Debug, Error)]
pub enum MergeError {
    #[error("cannot read the shard report `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a zoho-doctor JSON report (`run --json FILE` writes one): {source}", path.display())]
    NotAReport {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "`{}` is not a shard's report (it has no `shard`: it was not run with `--shard I/N`); merge combines the reports of every shard of one `run --shard I/N`",
        path.display()
    )]
    Unsharded { path: PathBuf },
    #[error("`{}` names shard {shard}, which cannot be: shards are numbered 0 to N-1", path.display())]
    InvalidShard { path: PathBuf, shard: Shard },
    #[error(
        "`{}` is shard {first_shard} but `{}` is shard {shard}: the shards of one run all have the same N",
        first.display(), path.display()
    )]
    MixedCounts {
        first: PathBuf,
        first_shard: Shard,
        path: PathBuf,
        shard: Shard,
    },
    #[error(
        "`{}` ran pipeline `{}` ({}) but `{}` ran `{}` ({}): the shards of one run share a pipeline",
        first.path.display(), first.pipeline, first.file,
        second.path.display(), second.pipeline, second.file
    )]
    MixedPipelines { first: Box<Ran>, second: Box<Ran> },
    #[error("shard {shard} is given twice: `{}` and `{}`", first.display(), second.display())]
    Duplicate {
        shard: Shard,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "{} missing: a lost pod or job would drop its connections silently; rerun it, then merge every shard 0/{count} to {}/{count}",
        missing_text(missing, *count),
        count - 1
    )]
    Missing { missing: Vec<u64>, count: u64 },
    #[error(
        "connection `{user}` is in both `{}` and `{}`: the shards ran over different selections (every shard needs the same --user list or --all)",
        first.display(), second.display()
    )]
    Overlap {
        user: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// Which pipeline a shard's report ran.
#[derive(Debug)]
pub struct Ran {
    pub path: PathBuf,
    /// Its name.
    pub pipeline: String,
    /// Its `pipeline_file`: a file, or `builtin:NAME`.
    pub file: String,
}

/// `shard 1/3 is` or `shards 1/4, 3/4 are`.
fn missing_text(missing: &[u64], count: u64) -> String {
    let listed: Vec<String> = missing
        .iter()
        .take(LISTED)
        .map(|index| format!("{index}/{count}"))
        .collect();
    let more = if missing.len() > LISTED { ", …" } else { "" };
    match missing {
        [_] => format!("shard {} is", listed.join("")),
        _ => format!("shards {}{more} are", listed.join(", ")),
    }
}

/// Reads one report as `run --json` wrote it.
pub fn read(path: &Path) -> Result<RunReport, MergeError> {
    let text = std::fs::read_to_string(path).map_err(|source| MergeError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| MergeError::NotAReport {
        path: path.to_owned(),
        source,
    })
}

/// Every shard's report, as read from its file, combined into one: the connections of all in key
/// order, the summary recomputed, `duration_ms` the longest shard's (shards run side by side, so
/// the slowest sets the wall time), `started_at` the earliest, `interrupted` if any shard was.
/// The merged report has no `shard`: it is the whole run.
pub fn merge(reports: Vec<(PathBuf, RunReport)>) -> Result<RunReport, MergeError> {
    let mut by_index: BTreeMap<u64, (PathBuf, RunReport)> = BTreeMap::new();
    let mut first: Option<(PathBuf, Shard)> = None;
    for (path, report) in reports {
        let Some(shard) = report.shard else {
            return Err(MergeError::Unsharded { path });
        };
        if shard.count == 0 || shard.index >= shard.count {
            return Err(MergeError::InvalidShard { path, shard });
        }
        let (first_path, first_shard) = first.get_or_insert_with(|| (path.clone(), shard));
        if shard.count != first_shard.count {
            return Err(MergeError::MixedCounts {
                first: first_path.clone(),
                first_shard: *first_shard,
                path,
                shard,
            });
        }
        if let Some((other_path, other)) = by_index.values().next()
            && (other.pipeline != report.pipeline || other.pipeline_file != report.pipeline_file)
        {
            return Err(MergeError::MixedPipelines {
                first: Box::new(Ran {
                    path: other_path.clone(),
                    pipeline: other.pipeline.clone(),
                    file: other.pipeline_file.clone(),
                }),
                second: Box::new(Ran {
                    path,
                    pipeline: report.pipeline,
                    file: report.pipeline_file,
                }),
            });
        }
        if let Some((earlier, _)) = by_index.get(&shard.index) {
            return Err(MergeError::Duplicate {
                shard,
                first: earlier.clone(),
                second: path,
            });
        }
        by_index.insert(shard.index, (path, report));
    }
    let count = first.map_or(0, |(_, shard)| shard.count);
    // Walks at most as far as the shards given plus the few listed: N may be large.
    let missing: Vec<u64> = (0..count)
        .filter(|index| !by_index.contains_key(index))
        .take(LISTED + 1)
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing, count });
    }
    combine(by_index.into_values().collect())
}

/// Shards already checked to be one complete run, in shard order.
fn combine(shards: Vec<(PathBuf, RunReport)>) -> Result<RunReport, MergeError> {
    let mut owner: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut connections: Vec<ConnectionReport> = Vec::new();
    let mut merged: Option<RunReport> = None;
    for (path, mut report) in shards {
        for connection in &report.connections {
            if let Some(first) = owner.insert(connection.user.clone(), path.clone()) {
                return Err(MergeError::Overlap {
                    user: connection.user.clone(),
                    first,
                    second: path,
                });
            }
        }
        connections.append(&mut report.connections);
        merged = Some(match merged {
            None => report,
            Some(so_far) => RunReport {
                started_at: earliest(so_far.started_at, report.started_at),
                duration_ms: so_far.duration_ms.max(report.duration_ms),
                interrupted: so_far.interrupted || report.interrupted,
                ..so_far
            },
        });
    }
    // Stable: rows that share a key (`u1`, `u1#2`) keep their order, after that key.
    connections.sort_by(|a, b| key_order(&a.user).cmp(&key_order(&b.user)));
    let Some(merged) = merged else {
        // `merge` takes one file at least (clap), and a shard 0 always exists.
        return Err(MergeError::Missing {
            missing: vec![0],
            count: 1,
        });
    };
    Ok(RunReport {
        shard: None,
        summary: RunReport::summarise(&connections),
        connections,
        ..merged
    })
}

/// The earlier of two RFC 3339 times; one that does not parse loses.
fn earliest(a: String, b: String) -> String {
    use chrono::DateTime;
    match (
        DateTime::parse_from_rfc3339(&a),
        DateTime::parse_from_rfc3339(&b),
    ) {
        (Ok(x), Ok(y)) if y < x => b,
        (Err(_), Ok(_)) => b,
        _ => a,
    }
}

/// A label's place in key order: `u1#2` (the second row keyed `u1`) right after `u1`, before
/// `u10` — as the fleet lists them — and `u1#10` after `u1#9`.
fn key_order(label: &str) -> (&str, u64) {
    if let Some((key, nth)) = label.rsplit_once('#')
        && !nth.starts_with('0')
        && nth.bytes().all(|b| b.is_ascii_digit())
        && let Ok(nth) = nth.parse::<u64>()
        && nth >= 2
    {
        return (key, nth);
    }
    (label, 1)
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
