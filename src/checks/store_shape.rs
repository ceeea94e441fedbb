//! What the connection's store looks like to a hint: the `env:` store (no row, no app), the
//! seed's table, the Zoho SDKs' `oauthtoken` table, or a custom mapping — and which fields it has
//! columns for — so a fix never names a row, a column or a variable the user does not have.

use crate::store::{Field, Mapping, Store};

/// The store a run reads, as the checks' hints need it (`Settings::store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreShape {
    /// The `env:` store: one connection from CI variables; no row, and no app that stores it.
    Env,
    /// A table, mapped by a preset (`seed`, `zoho-sdk`) or by `--table`/`--column`.
    Table {
        /// The Zoho SDKs' token table: no scopes, and the data centre comes from `api_domain`.
        sdk: bool,
        /// The fields the table has a column for (what the mapping found in the table).
        fields: Vec<Field>,
    },
}

impl Default for StoreShape {
    /// The seed's table with every column: what the checks' unit tests run against.
    fn default() -> Self {
        StoreShape::Table {
            sdk: false,
            fields: Field::ALL.to_vec(),
        }
    }
}

impl StoreShape {
    /// The shape of the store a run reads.
    pub fn of(store: &Store) -> StoreShape {
        match store {
            Store::Env(_) => StoreShape::Env,
            Store::Sql(sql) => {
                let (mapping, fields) = sql.columns();
                StoreShape::table(mapping, fields)
            }
        }
    }

    /// A mapped table with the columns `fields` the table has.
    pub fn table(mapping: &Mapping, fields: impl IntoIterator<Item = Field>) -> StoreShape {
        StoreShape::Table {
            sdk: mapping.preset == "zoho-sdk",
            fields: fields.into_iter().collect(),
        }
    }

    pub fn is_env(&self) -> bool {
        matches!(self, StoreShape::Env)
    }

    pub fn is_sdk(&self) -> bool {
        matches!(self, StoreShape::Table { sdk: true, .. })
    }

    /// The store has a column for `field` (the `env:` store has none).
    pub fn has(&self, field: Field) -> bool {
        match self {
            StoreShape::Env => false,
            StoreShape::Table { fields, .. } => fields.contains(&field),
        }
    }

    /// Where the connection's data centre is set, e.g. "set dc=eu for this connection".
    pub fn set_dc(&self, code: &str, api_host: &str) -> String {
        match self {
            StoreShape::Env => format!("set ZOHO_DC={code} (the CI variable)"),
            _ if self.has(Field::Dc) => format!("set dc={code} for this connection"),
            // The SDKs keep no dc column: they read the data centre from api_domain.
            _ if self.has(Field::ApiDomain) => {
                format!("store https://{api_host} in this connection's api_domain")
            }
            _ => format!(
                "add a dc column holding `{code}` and map it with --column dc=COLUMN (or an api_domain column holding https://{api_host})"
            ),
        }
    }

    /// Where to keep what a scopes check reads, or why nothing is kept.
    pub fn scopes_advice(&self) -> &'static str {
        match self {
            StoreShape::Env => {
                "the env: store holds no scopes, so this check probes the endpoint instead"
            }
            _ if self.has(Field::Scopes) => {
                "store the token answer's `scope` in the scopes column so coverage can be checked exactly"
            }
            StoreShape::Table { sdk: true, .. } => {
                "the Zoho SDKs keep no scopes, so this check probes the endpoint instead; a scopes column you add can be mapped with --column scopes=COLUMN"
            }
            StoreShape::Table { .. } => {
                "store the token answer's `scope` in a scopes column (mapped with --column scopes=COLUMN) so coverage can be checked exactly"
            }
        }
    }

    /// "not stored yet: run with --fix" for a value a check discovered or minted; `None` when
    /// there is nowhere to store it (the `env:` store, a table without that column): the app
    /// keeps it elsewhere, so there is nothing to warn about.
    pub fn unsaved_note(&self, what: &str, field: Field) -> Option<String> {
        self.has(field).then(|| {
            format!("{what} is not stored in the connection row yet; run with --fix to save it")
        })
    }

    /// Where a discovered value belongs, for "store that id in …" hints.
    pub fn place_of(&self, field: Field) -> String {
        let variable = match field {
            Field::DeskOrgId => "ZOHO_DESK_ORG_ID",
            Field::DeskPortal => "ZOHO_DESK_PORTAL",
            Field::Dc => "ZOHO_DC",
            Field::ClientId => "ZOHO_CLIENT_ID",
            Field::ClientSecret => "ZOHO_CLIENT_SECRET",
            Field::RefreshToken => "ZOHO_REFRESH_TOKEN",
            _ => "",
        };
        match self {
            StoreShape::Env if !variable.is_empty() => format!("the CI variable {variable}"),
            StoreShape::Env => "the CI variables".to_owned(),
            _ if self.has(field) => field.name().to_owned(),
            _ => format!(
                "a {} column (mapped with --column {}=COLUMN)",
                field.name(),
                field.name()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk() -> StoreShape {
        let mapping = Mapping::zoho_sdk();
        // The SDK's table as the SDKs create it: no dc, no scopes, no Desk columns.
        StoreShape::table(
            &mapping,
            [
                Field::Key,
                Field::AccessToken,
                Field::RefreshToken,
                Field::Expiry,
                Field::ApiDomain,
                Field::ClientId,
                Field::ClientSecret,
            ],
        )
    }

    #[test]
    fn env_store_names_ci_variables_and_never_a_row() {
        let env = StoreShape::Env;
        assert_eq!(
            env.set_dc("eu", "www.zohoapis.eu"),
            "set ZOHO_DC=eu (the CI variable)"
        );
        assert_eq!(env.unsaved_note("the new token", Field::AccessToken), None);
        assert_eq!(
            env.place_of(Field::DeskOrgId),
            "the CI variable ZOHO_DESK_ORG_ID"
        );
        assert!(env.scopes_advice().contains("probes"));
        for text in [
            env.set_dc("eu", "x"),
            env.scopes_advice().to_owned(),
            env.place_of(Field::DeskPortal),
        ] {
            assert!(!text.contains("row") && !text.contains("column"), "{text}");
        }
    }

    #[test]
    fn seed_table_names_its_columns() {
        let seed = StoreShape::table(&Mapping::seed(), Field::ALL);
        assert!(!seed.is_sdk());
        assert_eq!(
            seed.set_dc("eu", "www.zohoapis.eu"),
            "set dc=eu for this connection"
        );
        assert_eq!(seed.place_of(Field::DeskOrgId), "desk_org_id");
        assert!(
            seed.unsaved_note("the new token", Field::AccessToken)
                .unwrap()
                .contains("--fix")
        );
        assert!(seed.scopes_advice().contains("in the scopes column"));
        assert_eq!(seed, StoreShape::default());
    }

    #[test]
    fn sdk_table_gets_no_dc_or_scope_column_advice() {
        let sdk = sdk();
        assert!(sdk.is_sdk());
        let dc = sdk.set_dc("eu", "www.zohoapis.eu");
        assert_eq!(
            dc,
            "store https://www.zohoapis.eu in this connection's api_domain"
        );
        assert!(!dc.contains("dc="));
        let scopes = sdk.scopes_advice();
        assert!(scopes.contains("SDKs keep no scopes") && scopes.contains("--column scopes="));
        assert!(!scopes.contains("store the token answer"));
        assert_eq!(
            sdk.place_of(Field::DeskOrgId),
            "a desk_org_id column (mapped with --column desk_org_id=COLUMN)"
        );
        assert_eq!(
            sdk.unsaved_note("the discovered org id", Field::DeskOrgId),
            None
        );
    }

    #[test]
    fn sdk_table_with_a_mapped_scopes_column_is_told_to_fill_it() {
        let mapping = Mapping::zoho_sdk().with_column(Field::Scopes, "granted");
        let shape = StoreShape::table(&mapping, [Field::Key, Field::Scopes, Field::ApiDomain]);
        assert!(shape.scopes_advice().contains("in the scopes column"));
    }

    #[test]
    fn custom_mapping_without_dc_or_api_domain_is_told_to_add_and_map_one() {
        let mapping = Mapping::seed()
            .with_column(Field::Dc, "")
            .with_column(Field::ApiDomain, "");
        let shape = StoreShape::table(&mapping, [Field::Key, Field::RefreshToken]);
        let dc = shape.set_dc("eu", "www.zohoapis.eu");
        assert!(dc.contains("--column dc=COLUMN"), "{dc}");
        assert!(shape.scopes_advice().contains("a scopes column"));
    }
}

#[cfg(test)]
#[path = "store_shape_tests.rs"]
mod check_tests;
