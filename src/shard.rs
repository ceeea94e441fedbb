//! `--shard I/N`: which of the selected connections this machine checks. A stable partition by
//! FNV-1a 64 of the key's UTF-8 text, mod N — the same on every machine, run and version, so N
//! machines (a CI matrix, a Kubernetes Indexed Job) each check one slice and together check every
//! connection exactly once. `auto/N` takes I from Kubernetes' `JOB_COMPLETION_INDEX`.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::text;

/// The variable Kubernetes sets to a pod's index in an Indexed Job (`completionMode: Indexed`).
pub const INDEX_VARIABLE: &str = "JOB_COMPLETION_INDEX";

/// The most characters of a typed value a message echoes.
const ECHO_CHARS: usize = 100;

/// FNV-1a, 64 bits (the IETF draft's constants). Written out rather than taken from a crate:
/// the partition must never change under us, and it is five lines.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Shard `index` of `count`, numbered from 0. Recorded in each report as
/// `"shard": {"index": I, "count": N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// A `--shard` value that names no shard.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShardError {
    #[error(
        "--shard `{0}` is not I/N or auto/N: N machines take shards 0/N to (N-1)/N, numbered from 0 (e.g. `--shard 0/4` … `--shard 3/4`; `--shard auto/4` in a Kubernetes Indexed Job)"
    )]
    Malformed(String),
    #[error("--shard `{0}`: N, the number of shards, must be 1 or more")]
    NoShards(String),
    #[error(
        "--shard `{index}/{count}`: shards are numbered from 0, so with {count} shard(s) I is 0 to {last}",
        last = count - 1
    )]
    OutOfRange { index: u64, count: u64 },
    #[error(
        "--shard auto/{count} reads {INDEX_VARIABLE}, which is not set: Kubernetes sets it in the pods of an Indexed Job (completionMode: Indexed); elsewhere pass `--shard I/{count}`"
    )]
    AutoUnset { count: u64 },
    #[error(
        "--shard auto/{count}: {INDEX_VARIABLE} is `{value}`, not a shard index from 0 to {last}",
        last = count - 1
    )]
    AutoInvalid { value: String, count: u64 },
}

impl Shard {
    /// `I/N`, or `auto/N` with I read through `env` from `JOB_COMPLETION_INDEX`.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let malformed = || ShardError::Malformed(text::echo(text, ECHO_CHARS));
        let (index, count) = text.split_once('/').ok_or_else(malformed)?;
        let count = number(count).ok_or_else(malformed)?;
        if count == 0 {
            return Err(ShardError::NoShards(text::echo(text, ECHO_CHARS)));
        }
        let index = if index == "auto" {
            let value = env(INDEX_VARIABLE).ok_or(ShardError::AutoUnset { count })?;
            number(value.trim())
                .filter(|index| *index < count)
                .ok_or_else(|| ShardError::AutoInvalid {
                    value: text::echo(&value, ECHO_CHARS),
                    count,
                })?
        } else {
            number(index).ok_or_else(malformed)?
        };
        if index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard checks the connection keyed `key` (the user id as selected; rows that
    /// share a key, `u1` and `u1#2`, are selected by that one key and so stay together).
    pub fn holds(&self, key: &str) -> bool {
        fnv1a64(key.as_bytes()) % self.count == self.index
    }

    /// This shard's slice of a selection, in the selection's order.
    pub fn select(&self, users: Vec<String>) -> Vec<String> {
        users.into_iter().filter(|user| self.holds(user)).collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Plain decimal digits only: `+1` or ` 1` is a typo, not a shard.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn fnv1a64_gives_the_published_answers() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn known_keys_keep_their_shards() {
        // Pinned: a change of hash, of its input (the key's UTF-8 bytes) or of the modulus moves
        // connections between machines mid-rollout, and must break this test first.
        let of = |key: &str, count: u64| fnv1a64(key.as_bytes()) % count;
        assert_eq!(of("a", 4), 0xaf63_dc4c_8601_ec8c % 4);
        assert_eq!(of("", 7), 0xcbf2_9ce4_8422_2325 % 7);
        assert_eq!(of("foobar", 3), 0x8594_4171_f739_67e8 % 3);
        assert_eq!(
            [
                of("healthy", 3),
                of("u1", 3),
                of("42", 5),
                of("jörg", 4),
                of("id:7", 2)
            ],
            [0, 2, 1, 3, 1]
        );
        let shard = Shard { index: 0, count: 4 };
        assert!(shard.holds("a"), "FNV-1a 64 of `a` is 0 mod 4");
    }

    #[test]
    fn every_key_lands_in_exactly_one_shard() {
        let keys: Vec<String> = (0..300)
            .map(|i| match i % 3 {
                0 => format!("user-{i}"),
                1 => format!("{}", 1_000_000 + i * 7919),
                _ => format!("ünïcode-{i}@example"),
            })
            .collect();
        for count in 1..=7 {
            let mut seen = vec![0; keys.len()];
            for index in 0..count {
                let shard = Shard { index, count };
                for user in shard.select(keys.clone()) {
                    let at = keys.iter().position(|key| *key == user).unwrap();
                    seen[at] += 1;
                }
            }
            assert!(seen.iter().all(|n| *n == 1), "N = {count}: {seen:?}");
        }
    }

    #[test]
    fn a_slice_keeps_the_selection_order() {
        let keys: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
        let slice = Shard { index: 1, count: 3 }.select(keys.clone());
        let mut positions = slice.iter().map(|k| keys.iter().position(|x| x == k));
        let first = positions.next().flatten();
        assert!(first.is_some());
        assert!(
            positions
                .try_fold(first, |last, at| (at > last).then_some(at))
                .is_some()
        );
    }

    #[test]
    fn shard_values_parse_or_say_the_form() {
        assert_eq!(
            Shard::parse("2/5", &no_env),
            Ok(Shard { index: 2, count: 5 })
        );
        assert_eq!(
            Shard::parse("0/1", &no_env),
            Ok(Shard { index: 0, count: 1 })
        );
        for bad in [
            "", "3", "1/", "/4", "a/4", "1/b", "+1/4", "1/4/5", " 1/4", "-1/4",
        ] {
            let error = Shard::parse(bad, &no_env).expect_err(bad).to_string();
            assert!(error.contains("is not I/N or auto/N"), "{bad}: {error}");
            assert!(error.contains("numbered from 0"), "{bad}: {error}");
        }
        let error = Shard::parse("0/0", &no_env).unwrap_err().to_string();
        assert!(error.contains("must be 1 or more"), "{error}");
        let error = Shard::parse("4/4", &no_env).unwrap_err().to_string();
        assert!(
            error.contains("`4/4`: shards are numbered from 0, so with 4 shard(s) I is 0 to 3"),
            "{error}"
        );
    }

    #[test]
    fn auto_reads_the_job_completion_index() {
        let index = |value: &'static str| {
            move |name: &str| (name == INDEX_VARIABLE).then(|| value.to_owned())
        };
        assert_eq!(
            Shard::parse("auto/4", &index("3")),
            Ok(Shard { index: 3, count: 4 })
        );
        let error = Shard::parse("auto/4", &no_env).unwrap_err().to_string();
        assert!(
            error.contains("JOB_COMPLETION_INDEX, which is not set"),
            "{error}"
        );
        for bad in ["4", "x", "", "-1"] {
            let error = Shard::parse("auto/4", &index(bad)).unwrap_err().to_string();
            assert!(
                error.contains(&format!(
                    "JOB_COMPLETION_INDEX is `{bad}`, not a shard index from 0 to 3"
                )),
                "{error}"
            );
        }
        let error = Shard::parse("auto/0", &index("0")).unwrap_err().to_string();
        assert!(error.contains("must be 1 or more"), "{error}");
    }
}
