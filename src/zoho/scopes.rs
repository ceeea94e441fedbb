//! Zoho OAuth scope grammar and coverage, as Zoho's scope documentation gives it:
//! `Service.entity[.sub].OP`, where `ALL` covers every operation, `WRITE` covers create/update/delete, and a parent scope
//! (`ZohoCRM.settings.ALL`) covers its children (`ZohoCRM.settings.profiles.READ`). Zoho spells
//! the same scope in several cases (`AaaServer.profile.Read`, `aaaserver.profile.read`), so
//! every comparison ignores case.

use std::fmt;

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScopeError {
    #[error(
        "`{0}` is not a Zoho scope; scopes look like `Service.entity.OPERATION`, e.g. `Desk.settings.READ`"
    )]
    Shape(String),
    #[error(
        "`{scope}` has operation `{operation}`; Zoho's operations are ALL, READ, CREATE, UPDATE, DELETE, WRITE and CUSTOM"
    )]
    Operation { scope: String, operation: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    All,
    Read,
    Create,
    Update,
    Delete,
    /// CRM's alias for create + update + delete.
    Write,
    Custom,
}

impl Operation {
    fn parse(text: &str) -> Option<Operation> {
        Some(match text.to_ascii_uppercase().as_str() {
            "ALL" => Operation::All,
            "READ" => Operation::Read,
            "CREATE" => Operation::Create,
            "UPDATE" => Operation::Update,
            "DELETE" => Operation::Delete,
            "WRITE" => Operation::Write,
            "CUSTOM" => Operation::Custom,
            _ => return None,
        })
    }

    fn covers(&self, wanted: &Operation) -> bool {
        match self {
            Operation::All => true,
            Operation::Write => matches!(
                wanted,
                Operation::Write | Operation::Create | Operation::Update | Operation::Delete
            ),
            granted => granted == wanted,
        }
    }
}

/// One scope. Scopes outside the grammar (OIDC's `openid`, `email`) are kept as opaque and
/// only cover themselves.
#[derive(Debug, Clone)]
pub struct Scope {
    raw: String,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    Structured {
        service: String,
        path: Vec<String>,
        operation: Operation,
    },
    Opaque,
}

impl Scope {
    /// Parses a scope the user requires: it must follow the grammar.
    pub fn parse_required(text: &str) -> Result<Scope, ScopeError> {
        let text = text.trim();
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() < 3
            || parts
                .iter()
                .any(|part| part.is_empty() || part.contains(' '))
        {
            return Err(ScopeError::Shape(text.to_owned()));
        }
        let operation_text = parts[parts.len() - 1];
        let operation = Operation::parse(operation_text).ok_or_else(|| ScopeError::Operation {
            scope: text.to_owned(),
            operation: operation_text.to_owned(),
        })?;
        Ok(Scope {
            raw: text.to_owned(),
            shape: Shape::Structured {
                service: parts[0].to_ascii_lowercase(),
                path: parts[1..parts.len() - 1]
                    .iter()
                    .map(|part| part.to_ascii_lowercase())
                    .collect(),
                operation,
            },
        })
    }

    /// Parses a scope Zoho granted: never fails; what does not follow the grammar is opaque.
    pub fn parse_granted(text: &str) -> Scope {
        Scope::parse_required(text).unwrap_or_else(|_| Scope {
            raw: text.trim().to_owned(),
            shape: Shape::Opaque,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether holding `self` allows what `wanted` allows.
    pub fn covers(&self, wanted: &Scope) -> bool {
        match (&self.shape, &wanted.shape) {
            (
                Shape::Structured {
                    service,
                    path,
                    operation,
                },
                Shape::Structured {
                    service: wanted_service,
                    path: wanted_path,
                    operation: wanted_operation,
                },
            ) => {
                service == wanted_service
                    && wanted_path.starts_with(path)
                    && operation.covers(wanted_operation)
            }
            _ => self.raw.eq_ignore_ascii_case(&wanted.raw),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Splits a granted-scope list: the token answer separates with spaces, the authorize request
/// and many apps' stored copies with commas.
pub fn parse_granted_list(text: &str) -> Vec<Scope> {
    text.split([' ', ',', '\n', '\t'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(Scope::parse_granted)
        .collect()
}

/// One requirement: any one of these scopes will do. Zoho's OpenAPI specifications list each
/// endpoint's scopes, and several listed scopes are alternatives; a single scope is a
/// one-element requirement.
#[derive(Debug, Clone)]
pub struct Requirement {
    any_of: Vec<Scope>,
}

impl Requirement {
    /// A requirement met by any of `any_of`; `None` when the list is empty.
    pub fn any_of(any_of: Vec<Scope>) -> Option<Requirement> {
        (!any_of.is_empty()).then_some(Requirement { any_of })
    }

    pub fn one(scope: Scope) -> Requirement {
        Requirement {
            any_of: vec![scope],
        }
    }

    pub fn alternatives(&self) -> &[Scope] {
        &self.any_of
    }

    /// The alternative a re-grant asks for: the first listed.
    pub fn first(&self) -> &Scope {
        &self.any_of[0]
    }

    /// Whether some granted scope covers one of the alternatives.
    pub fn met_by(&self, granted: &[Scope]) -> bool {
        self.any_of
            .iter()
            .any(|wanted| granted.iter().any(|held| held.covers(wanted)))
    }
}

/// `Desk.basic.READ or Desk.settings.READ`.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, scope) in self.any_of.iter().enumerate() {
            if index > 0 {
                f.write_str(" or ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

/// The requirements no granted scope meets, in the order they were required.
pub fn missing<'a>(required: &'a [Requirement], granted: &[Scope]) -> Vec<&'a Requirement> {
    required
        .iter()
        .filter(|requirement| !requirement.met_by(granted))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(granted: &str, wanted: &str) -> bool {
        Scope::parse_granted(granted).covers(&Scope::parse_required(wanted).unwrap())
    }

    #[test]
    fn coverage_lattice() {
        let cases = [
            ("Desk.settings.READ", "Desk.settings.READ", true),
            ("Desk.settings.ALL", "Desk.settings.READ", true),
            ("Desk.settings.READ", "Desk.settings.ALL", false),
            ("Desk.settings.READ", "Desk.basic.READ", false),
            ("Desk.settings.UPDATE", "Desk.settings.READ", false),
            (
                "ZohoCRM.settings.ALL",
                "ZohoCRM.settings.profiles.READ",
                true,
            ),
            (
                "ZohoCRM.settings.READ",
                "ZohoCRM.settings.profiles.READ",
                true,
            ),
            (
                "ZohoCRM.settings.profiles.ALL",
                "ZohoCRM.settings.profiles.READ",
                true,
            ),
            (
                "ZohoCRM.settings.profiles.READ",
                "ZohoCRM.settings.ALL",
                false,
            ),
            (
                "ZohoCRM.settings.roles.ALL",
                "ZohoCRM.settings.profiles.READ",
                false,
            ),
            ("ZohoCRM.modules.ALL", "ZohoCRM.modules.leads.READ", true),
            (
                "ZohoCRM.modules.WRITE",
                "ZohoCRM.modules.leads.CREATE",
                true,
            ),
            ("ZohoCRM.modules.WRITE", "ZohoCRM.modules.leads.READ", false),
            (
                "ZohoCRM.settings.profiles.all",
                "ZohoCRM.settings.profiles.READ",
                true,
            ),
            (
                "zohocrm.settings.ALL",
                "ZohoCRM.settings.profiles.READ",
                true,
            ),
            ("aaaserver.profile.read", "AaaServer.profile.Read", true),
            ("ZohoCRM.org.ALL", "Desk.org.READ", false),
            (
                "ZohoCRM.settingsx.ALL",
                "ZohoCRM.settings.profiles.READ",
                false,
            ),
            ("openid", "Desk.basic.READ", false),
        ];
        for (granted, wanted, expected) in cases {
            assert_eq!(
                covers(granted, wanted),
                expected,
                "{granted} covers {wanted}?"
            );
        }
    }

    #[test]
    fn required_scopes_must_follow_the_grammar() {
        assert!(matches!(
            Scope::parse_required("Desk.READ"),
            Err(ScopeError::Shape(_))
        ));
        assert!(matches!(
            Scope::parse_required("Desk.settings.LOOK"),
            Err(ScopeError::Operation { .. })
        ));
        assert!(Scope::parse_required("Desk.settings.read").is_ok());
    }

    #[test]
    fn granted_lists_split_on_spaces_and_commas() {
        let granted = parse_granted_list("Desk.basic.READ Desk.settings.ALL,ZohoCRM.org.READ");
        let names: Vec<&str> = granted.iter().map(Scope::as_str).collect();
        assert_eq!(
            names,
            ["Desk.basic.READ", "Desk.settings.ALL", "ZohoCRM.org.READ"]
        );
    }

    fn requirement(any_of: &[&str]) -> Requirement {
        Requirement::any_of(
            any_of
                .iter()
                .map(|s| Scope::parse_required(s).unwrap())
                .collect(),
        )
        .expect("non-empty")
    }

    #[test]
    fn missing_names_exactly_the_unmet_requirements() {
        let required = [
            requirement(&["Desk.basic.READ"]),
            requirement(&["Desk.settings.READ"]),
        ];
        let granted = parse_granted_list("Desk.basic.READ Desk.tickets.ALL");
        let missing: Vec<String> = missing(&required, &granted)
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(missing, ["Desk.settings.READ"]);
    }

    #[test]
    fn any_one_alternative_meets_a_requirement() {
        let required = [requirement(&[
            "Desk.basic.READ",
            "Desk.organization.READ",
            "Desk.settings.READ",
        ])];
        for granted in [
            "Desk.settings.ALL",
            "desk.organization.read",
            "Desk.basic.READ",
        ] {
            assert!(
                missing(&required, &parse_granted_list(granted)).is_empty(),
                "{granted}"
            );
        }
        let unmet = missing(&required, &parse_granted_list("Desk.tickets.ALL"));
        assert_eq!(
            unmet[0].to_string(),
            "Desk.basic.READ or Desk.organization.READ or Desk.settings.READ"
        );
        assert_eq!(unmet[0].first().as_str(), "Desk.basic.READ");
        assert!(Requirement::any_of(Vec::new()).is_none());
    }
}
