//! The check kinds: one file per kind (its options, validation, `list` text, needs, provides and
//! run), registered in the one list below. Checks never print and never write facts: they return
//! a `Verdict` (outcome plus discoveries) and the runner applies it. `outcome` and `facts` are the
//! bottom layer the runner and the report model share.

mod context;
pub mod facts;
pub mod options;
pub mod outcome;
pub mod store_shape;
#[macro_use]
mod registry;
#[cfg(test)]
pub(crate) mod testing;
mod words;

pub use context::{CheckContext, Missing, RunEnv, Shared, SharedAnswers};
pub use facts::{Fact, Facts, Settings};
pub use http::guide as http_guide;
pub use http_template::BUILTIN_FACTS;
pub use options::{OptionDoc, Options};
pub use outcome::{Outcome, Status, Verdict};
pub use registry::CheckKind;
pub use store_shape::StoreShape;

use crate::zoho::App;

// The registry: each kind's module, then its line in the list, in `zoho-doctor list` order.
// Adding a kind is a new file plus these two lines (CONTRIBUTING.md, "Adding a check kind").
mod connection_exists;
mod crm_org;
mod crm_profiles;
mod data_centre;
mod desk_org_id;
mod desk_portal;
mod desk_profile;
mod http;
mod http_expect;
mod http_request;
mod http_template;
mod scopes;
mod token_refresh;

registry! {
    ConnectionExists: connection_exists::ConnectionExists,
    TokenRefresh: token_refresh::TokenRefresh,
    DataCentre: data_centre::DataCentreCheck,
    Scopes: scopes::ScopesCheck,
    DeskOrgId: desk_org_id::DeskOrgIdCheck,
    DeskPortal: desk_portal::DeskPortalCheck,
    DeskProfile: desk_profile::DeskProfileCheck,
    CrmOrg: crm_org::CrmOrgCheck,
    CrmProfiles: crm_profiles::CrmProfilesCheck,
    Http: http::HttpCheck,
}

/// The keys every check takes, whatever its kind.
pub const COMMON_CHECK_KEYS: [&str; 6] = ["id", "kind", "description", "needs", "after", "timeout"];

/// Every key a check may have: the common ones, then each kind's options (once each), for the
/// YAML parser's "expected one of" and its "did you mean".
pub fn all_check_keys() -> &'static [&'static str] {
    static KEYS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        let mut keys: Vec<&'static str> = COMMON_CHECK_KEYS.to_vec();
        for kind in Kind::ALL {
            for option in kind.options() {
                if !keys.contains(&option.name) {
                    keys.push(option.name);
                }
            }
        }
        keys
    });
    &KEYS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_a_kind_needs_is_provided_by_some_kind() {
        for kind in Kind::ALL {
            for need in kind.needs() {
                assert!(
                    Kind::ALL
                        .iter()
                        .any(|other| other.provides().contains(need)),
                    "`{}` needs {}, which no kind provides",
                    kind.name(),
                    need.name()
                );
            }
        }
    }

    #[test]
    fn kind_names_are_unique_and_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(*kind));
        }
        let mut names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.name()).collect();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }

    #[test]
    fn option_keys_keep_the_documented_order() {
        assert_eq!(
            all_check_keys(),
            [
                "id",
                "kind",
                "description",
                "needs",
                "after",
                "timeout",
                "probe",
                "require",
                "path",
                "profile_id",
                "if_modified_since",
                "request",
                "expect",
                "save",
                "scopes"
            ]
        );
    }
}
