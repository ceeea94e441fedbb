//! Column mappings: which column holds which part of a connection. Presets name the shapes
//! zoho-doctor knows — `seed` (the seed's `zoho_connections`) and `zoho-sdk` (the token table of
//! Zoho's official SDKs) — and `--table` / `--column FIELD=COLUMN` adjust them for real apps.

/// A part of a connection a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Key,
    AccessToken,
    RefreshToken,
    Expiry,
    ApiDomain,
    OrgId,
    DeskOrgId,
    DeskPortal,
    Dc,
    Scopes,
    ClientId,
    ClientSecret,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::Key,
        Field::AccessToken,
        Field::RefreshToken,
        Field::Expiry,
        Field::ApiDomain,
        Field::OrgId,
        Field::DeskOrgId,
        Field::DeskPortal,
        Field::Dc,
        Field::Scopes,
        Field::ClientId,
        Field::ClientSecret,
    ];

    /// The field's name in `--column FIELD=COLUMN`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Key => "key",
            Field::AccessToken => "access_token",
            Field::RefreshToken => "refresh_token",
            Field::Expiry => "expiry",
            Field::ApiDomain => "api_domain",
            Field::OrgId => "org_id",
            Field::DeskOrgId => "desk_org_id",
            Field::DeskPortal => "desk_portal",
            Field::Dc => "dc",
            Field::Scopes => "scopes",
            Field::ClientId => "client_id",
            Field::ClientSecret => "client_secret",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name() == name)
    }
}

/// One mapped field: the column names it may have (the first the table has wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub field: Field,
    pub names: Vec<String>,
    /// A required column the table lacks is an error; an optional one is simply not read.
    pub required: bool,
}

/// Which table, and which column holds each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub preset: String,
    pub table: String,
    pub columns: Vec<Column>,
    /// A blank expiry is written back in epoch milliseconds (the SDKs' unit), else seconds.
    pub expiry_millis: bool,
    /// The table's own row id (the SDKs' `id` primary key), read when the table has it: a row
    /// whose key is NULL or blank is checked under it, as `id:7`.
    pub row_id: Option<String>,
}

fn column(field: Field, names: &[&str], required: bool) -> Column {
    Column {
        field,
        names: names.iter().map(|name| (*name).to_owned()).collect(),
        required,
    }
}

impl Mapping {
    pub const PRESETS: [&'static str; 2] = ["seed", "zoho-sdk"];

    /// The seed's `zoho_connections` table: `user_id`, the tokens, `token_expires_at`, `api_domain`,
    /// `org_id`, `desk_org_id`, `desk_portal`, and optionally `dc`, `scopes` and the client.
    pub fn seed() -> Mapping {
        Mapping {
            preset: "seed".to_owned(),
            table: "zoho_connections".to_owned(),
            columns: vec![
                column(Field::Key, &["user_id"], true),
                column(Field::AccessToken, &["access_token"], true),
                column(Field::RefreshToken, &["refresh_token"], true),
                column(Field::Expiry, &["token_expires_at"], true),
                column(Field::ApiDomain, &["api_domain"], true),
                column(Field::OrgId, &["org_id"], true),
                column(Field::DeskOrgId, &["desk_org_id"], true),
                column(Field::DeskPortal, &["desk_portal"], true),
                column(Field::Dc, &["dc"], false),
                column(Field::Scopes, &["scopes"], false),
                column(Field::ClientId, &["client_id"], false),
                column(Field::ClientSecret, &["client_secret"], false),
            ],
            expiry_millis: false,
            row_id: None,
        }
    }

    /// The token store of Zoho's official SDKs (their DBStore, MySQL `zohooauth` by default): table `oauthtoken`,
    /// keyed by `user_name` (SDKs for API v5–v8) or `user_mail` (older ones), expiry in epoch
    /// milliseconds in `expiry_time`. The SDKs write `user_name` NULL for a token without a
    /// user: such a row is known by its `id`.
    pub fn zoho_sdk() -> Mapping {
        Mapping {
            preset: "zoho-sdk".to_owned(),
            table: "oauthtoken".to_owned(),
            columns: vec![
                column(
                    Field::Key,
                    &["user_name", "user_mail", "useridentifier"],
                    true,
                ),
                column(Field::AccessToken, &["access_token", "accesstoken"], true),
                column(
                    Field::RefreshToken,
                    &["refresh_token", "refreshtoken"],
                    true,
                ),
                column(Field::Expiry, &["expiry_time", "expirytime"], true),
                column(Field::ApiDomain, &["api_domain"], false),
                column(Field::ClientId, &["client_id"], false),
                column(Field::ClientSecret, &["client_secret"], false),
                column(Field::Dc, &["dc"], false),
                column(Field::DeskOrgId, &["desk_org_id"], false),
                column(Field::DeskPortal, &["desk_portal"], false),
            ],
            expiry_millis: true,
            row_id: Some("id".to_owned()),
        }
    }

    /// The preset of that name.
    pub fn preset(name: &str) -> Option<Mapping> {
        match name {
            "seed" => Some(Mapping::seed()),
            "zoho-sdk" => Some(Mapping::zoho_sdk()),
            _ => None,
        }
    }

    pub fn column(&self, field: Field) -> Option<&Column> {
        self.columns.iter().find(|column| column.field == field)
    }

    /// The mapping with another table name.
    pub fn with_table(mut self, table: &str) -> Mapping {
        self.table = table.to_owned();
        self
    }

    /// The mapping with `field` read from `name`, which the table must then have; an empty
    /// name means the table has no such column.
    pub fn with_column(mut self, field: Field, name: &str) -> Mapping {
        self.columns.retain(|column| column.field != field);
        if !name.is_empty() {
            self.columns.push(Column {
                field,
                names: vec![name.to_owned()],
                required: true,
            });
        }
        self
    }

    /// Parses one `--column FIELD=COLUMN`.
    pub fn parse_override(text: &str) -> Result<(Field, String), String> {
        let (field, column) = text
            .split_once('=')
            .ok_or_else(|| format!("`--column {text}` must be FIELD=COLUMN, e.g. `--column expiry=access_token_expires_at`"))?;
        let field = Field::from_name(field.trim()).ok_or_else(|| {
            format!(
                "`--column {text}`: unknown field `{}`; the fields are {}",
                field.trim(),
                Field::ALL.map(Field::name).join(", ")
            )
        })?;
        let column = column.trim().to_owned();
        if column.is_empty()
            && matches!(field, Field::Key | Field::AccessToken | Field::RefreshToken)
        {
            return Err(format!(
                "`--column {text}`: every connection has a {}; map it to a column",
                field.name()
            ));
        }
        Ok((field, column))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_and_name_the_fields_on_error() {
        assert_eq!(
            Mapping::parse_override("expiry=token_expiry"),
            Ok((Field::Expiry, "token_expiry".to_owned()))
        );
        assert!(
            Mapping::parse_override("expiry")
                .unwrap_err()
                .contains("FIELD=COLUMN")
        );
        assert!(
            Mapping::parse_override("expires=x")
                .unwrap_err()
                .contains("access_token")
        );
    }

    #[test]
    fn an_empty_column_declares_the_field_absent() {
        assert_eq!(
            Mapping::parse_override("expiry="),
            Ok((Field::Expiry, String::new()))
        );
        let mapping = Mapping::seed().with_column(Field::Expiry, "");
        assert!(mapping.column(Field::Expiry).is_none());
        assert!(
            Mapping::parse_override("key=")
                .unwrap_err()
                .contains("map it to a column")
        );
    }

    #[test]
    fn an_overridden_column_becomes_required() {
        let mapping = Mapping::seed().with_column(Field::Dc, "region");
        let dc = mapping
            .columns
            .iter()
            .find(|c| c.field == Field::Dc)
            .unwrap();
        assert_eq!(dc.names, ["region"]);
        assert!(dc.required);
    }
}
