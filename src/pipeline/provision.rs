//! A check's facts come from the checks it `needs`, transitively: a check whose kind needs a fact
//! (a usable access token, say) that none of them provides could only ever be skipped, and a CI
//! gate over such a pipeline would go green having checked nothing. Such a pipeline is refused.

use crate::checks::{Fact, Kind};

/// A check missing a fact: which check, which fact, and the checks of the pipeline that provide it
/// (none when the pipeline has no such check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprovided {
    pub check: usize,
    pub fact: Fact,
    pub providers: Vec<usize>,
}

/// Every (check, fact) whose fact no transitive `needs` ancestor provides. `needs[i]` lists the
/// checks check `i` needs; the graph has no cycle (checked before).
pub fn unprovided(kinds: &[Kind], needs: &[Vec<usize>]) -> Vec<Unprovided> {
    let mut missing = Vec::new();
    for (check, kind) in kinds.iter().enumerate() {
        let ancestors = ancestors(check, needs);
        for &fact in kind.needs() {
            let provided = ancestors
                .iter()
                .any(|&ancestor| kinds[ancestor].provides().contains(&fact));
            if !provided {
                let providers = (0..kinds.len())
                    .filter(|&other| other != check && kinds[other].provides().contains(&fact))
                    .collect();
                missing.push(Unprovided {
                    check,
                    fact,
                    providers,
                });
            }
        }
    }
    missing
}

/// The checks `check` needs, directly or through the checks it needs.
pub(super) fn ancestors(check: usize, needs: &[Vec<usize>]) -> Vec<usize> {
    let mut seen = vec![false; needs.len()];
    let mut pending: Vec<usize> = needs[check].clone();
    let mut found = Vec::new();
    while let Some(next) = pending.pop() {
        if std::mem::replace(&mut seen[next], true) {
            continue;
        }
        found.push(next);
        pending.extend(&needs[next]);
    }
    found
}

/// The kinds that provide a fact, for the fix.
pub fn kinds_providing(fact: Fact) -> Vec<&'static str> {
    Kind::ALL
        .iter()
        .filter(|kind| kind.provides().contains(&fact))
        .map(|kind| kind.name())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_profile_check_lacks_the_token() {
        let missing = unprovided(&[Kind::DeskProfile], &[vec![]]);
        assert_eq!(
            missing,
            [Unprovided {
                check: 0,
                fact: Fact::Token,
                providers: vec![]
            }]
        );
    }

    #[test]
    fn a_token_from_a_transitive_need_is_enough() {
        let kinds = [
            Kind::TokenRefresh,
            Kind::Scopes,
            Kind::DeskOrgId,
            Kind::DeskProfile,
        ];
        let needs = [vec![], vec![0], vec![1], vec![2]];
        assert!(unprovided(&kinds, &needs).is_empty());
    }

    #[test]
    fn a_provider_that_is_only_run_after_is_named_for_the_fix() {
        // `after` is not `needs`: the profile may run after a failed refresh, without a token.
        let kinds = [Kind::TokenRefresh, Kind::DeskProfile];
        let missing = unprovided(&kinds, &[vec![], vec![]]);
        assert_eq!(missing[0].providers, [0]);
        assert_eq!(kinds_providing(Fact::Token), ["token-refresh"]);
    }
}
