//! Column mappings: which column holds which part of a connection. Presets name the shapes
//! zoho-doctor knows (`seed`: the `zoho_connections` table of the seed document).

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

/// One mapped column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub field: Field,
    pub name: String,
    /// A required column the table lacks is an error; an optional one is simply not read.
    pub required: bool,
}

/// Which table, and which column holds each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub preset: String,
    pub table: String,
    pub columns: Vec<Column>,
}

impl Mapping {
    /// The seed's `zoho_connections` table (DESIGN.md §5).
    pub fn seed() -> Mapping {
        let required = |field: Field, name: &str| Column {
            field,
            name: name.to_owned(),
            required: true,
        };
        let optional = |field: Field| Column {
            field,
            name: field.name().to_owned(),
            required: false,
        };
        Mapping {
            preset: "seed".to_owned(),
            table: "zoho_connections".to_owned(),
            columns: vec![
                required(Field::Key, "user_id"),
                required(Field::AccessToken, "access_token"),
                required(Field::RefreshToken, "refresh_token"),
                required(Field::Expiry, "token_expires_at"),
                required(Field::ApiDomain, "api_domain"),
                required(Field::OrgId, "org_id"),
                required(Field::DeskOrgId, "desk_org_id"),
                required(Field::DeskPortal, "desk_portal"),
                optional(Field::Dc),
                optional(Field::Scopes),
                optional(Field::ClientId),
                optional(Field::ClientSecret),
            ],
        }
    }

    /// The preset of that name.
    pub fn preset(name: &str) -> Option<Mapping> {
        match name {
            "seed" => Some(Mapping::seed()),
            _ => None,
        }
    }

    pub const PRESETS: [&'static str; 1] = ["seed"];

    pub fn column(&self, field: Field) -> Option<&Column> {
        self.columns.iter().find(|column| column.field == field)
    }
}
