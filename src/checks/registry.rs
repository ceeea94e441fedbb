//! The `CheckKind` trait every kind's file implements, and the `registry!` macro that turns the
//! one list of kinds (in `checks/mod.rs`) into the closed `Kind` and `CheckSpec` enums with their
//! exhaustive dispatch: no trait objects, no `_ =>`, so a new kind is handled everywhere or does
//! not compile.

use std::future::Future;

use super::{
    CheckContext, Verdict,
    facts::Fact,
    options::{OptionDoc, Options},
};
use crate::zoho::App;

/// What a check kind is: its YAML name, what it verifies, its options, the app it serves, the
/// facts it needs and provides, how it reads its options, and its run.
pub trait CheckKind: Sized + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The `kind:` value in YAML.
    const NAME: &'static str;
    /// What it verifies, one sentence, for `zoho-doctor list`.
    const ABOUT: &'static str;
    /// The kind-specific options (besides id, kind, description, needs, after, timeout).
    const OPTIONS: &'static [OptionDoc];
    /// The Zoho product it talks to, when it is specific to one.
    const APP: Option<App>;
    /// Facts without which it can only skip.
    const NEEDS: &'static [Fact];
    /// Facts it discovers for later checks.
    const PROVIDES: &'static [Fact];

    /// Reads and validates its options once; problems are recorded in `options`.
    fn from_options(options: &mut Options<'_>) -> Option<Self>;

    /// Runs on one connection. Never prints; returns the outcome and discoveries.
    fn run(&self, ctx: &CheckContext) -> impl Future<Output = Verdict> + Send;
}

/// `registry! { Variant: module::Type, … }` generates `Kind` (the kinds by name) and `CheckSpec`
/// (a configured check) from the one list. The modules are declared beside it, outside the macro,
/// so rustfmt (which does not look inside macros) formats the kinds' files.
macro_rules! registry {
    ($($variant:ident: $module:ident::$check:ident),+ $(,)?) => {
        $(pub use $module::$check;)+

        /// A check kind, by its YAML name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            $($variant,)+
        }

        impl Kind {
            /// Every kind, in the registry's order (`list` shows them so).
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)+];

            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$variant => <$check as CheckKind>::NAME,)+
                }
            }

            pub fn from_name(name: &str) -> Option<Kind> {
                Kind::ALL.iter().copied().find(|kind| kind.name() == name)
            }

            /// What the check verifies, for `zoho-doctor list`.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Kind::$variant => <$check as CheckKind>::ABOUT,)+
                }
            }

            /// The kind-specific YAML options.
            pub fn options(self) -> &'static [OptionDoc] {
                match self {
                    $(Kind::$variant => <$check as CheckKind>::OPTIONS,)+
                }
            }

            /// The Zoho product the kind talks to, when it is specific to one.
            pub fn app(self) -> Option<App> {
                match self {
                    $(Kind::$variant => <$check as CheckKind>::APP,)+
                }
            }

            pub fn needs(self) -> &'static [Fact] {
                match self {
                    $(Kind::$variant => <$check as CheckKind>::NEEDS,)+
                }
            }

            pub fn provides(self) -> &'static [Fact] {
                match self {
                    $(Kind::$variant => <$check as CheckKind>::PROVIDES,)+
                }
            }

            /// The kind's typed options, read from the YAML; `None` when they are invalid (the
            /// problems are in `options`).
            pub fn configure(self, options: &mut Options<'_>) -> Option<CheckSpec> {
                match self {
                    $(Kind::$variant => <$check as CheckKind>::from_options(options).map(CheckSpec::$variant),)+
                }
            }
        }

        /// A configured check: its kind and its validated options.
        #[derive(Debug, Clone)]
        pub enum CheckSpec {
            $($variant($check),)+
        }

        impl CheckSpec {
            pub fn kind(&self) -> Kind {
                match self {
                    $(CheckSpec::$variant(_) => Kind::$variant,)+
                }
            }

            pub async fn run(&self, ctx: &CheckContext) -> Verdict {
                match self {
                    $(CheckSpec::$variant(check) => check.run(ctx).await,)+
                }
            }
        }
    };
}
