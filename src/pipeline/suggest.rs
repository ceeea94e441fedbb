//! "Did you mean …?": the closest known name to a misspelt one.

/// The candidate nearest to `wanted` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Edit distance is quadratic: a name this long is no typo of a short one, and two huge
    // names would take minutes to compare.
    if wanted.len() > LONGEST_NAME {
        return None;
    }
    let wanted_lower = wanted.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|candidate| candidate.len() <= LONGEST_NAME)
        .map(|candidate| {
            (
                edit_distance(&wanted_lower, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| {
            let near = *distance <= (candidate.len().max(wanted.len()) / 3).max(1)
                && *distance < wanted.len();
            near || (wanted.len() >= 3 && candidate.to_ascii_lowercase().starts_with(&wanted_lower))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Names longer than this get no suggestion.
const LONGEST_NAME: usize = 100;

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_names_get_no_suggestion_and_take_no_time() {
        let huge = "a".repeat(1_000_000);
        assert_eq!(closest(&huge, [huge.as_str(), "abc"]), None);
        assert_eq!(
            closest("conection", [huge.as_str(), "connection"]),
            Some("connection")
        );
    }

    #[test]
    fn typos_find_their_word() {
        let kinds = ["desk-org-id", "desk-portal", "desk-profile"];
        assert_eq!(closest("desk-org", kinds), Some("desk-org-id"));
        assert_eq!(closest("desk-portl", kinds), Some("desk-portal"));
        assert_eq!(closest("banana", kinds), None);
        assert_eq!(closest("zz", ["a", "b"]), None);
        assert_eq!(closest("kindd", ["id", "kind"]), Some("kind"));
    }
}
