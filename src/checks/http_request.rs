//! The `http` kind's `request:` — GET or HEAD, a `path` on the app's service host or a full `url`
//! on one of the connection's own derived Zoho hosts, and extra headers (never `Authorization`
//! or `orgId`) — read and checked at load, and turned into the URL and headers of one call at
//! run time, through the endpoint overrides like every other call.

use serde_saphyr::Location;

use super::{
    CheckContext,
    http_template::{Template, as_is, url_encode},
    options::{Options, RawValue, S},
};
use crate::zoho::{App, DataCentre};

/// A mapping's entries, as the YAML has them.
pub type Entries = [(S<String>, S<RawValue>)];

/// The method: a diagnostic tool reads, it never writes to a customer's Zoho.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
        }
    }
}

/// Which of the connection's hosts a full `url` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    Accounts,
    Api,
    Desk,
    /// `sandbox.zohoapis.<tld>`.
    Sandbox,
    /// `developer.zohoapis.<tld>`.
    Developer,
}

/// Where the call goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// On the app's service host: Desk's for the data centre, or the CRM API host.
    Path { app: App, path: Template },
    /// On one of a data centre's own hosts; `rest` is the path and query after the host.
    Url {
        host: HostKind,
        dc: DataCentre,
        rest: Template,
    },
}

#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: Method,
    pub target: Target,
    pub headers: Vec<(String, Template)>,
}

/// The headers the HTTP layer and the Desk client set themselves.
const FORBIDDEN_HEADERS: [&str; 3] = ["authorization", "orgid", "host"];

const REQUEST_KEYS: [&str; 4] = ["method", "path", "url", "headers"];

/// A nested mapping's entries, or a located problem.
pub fn mapping<'a>(
    options: &mut Options<'_>,
    key: &str,
    value: &'a S<RawValue>,
) -> Option<&'a Entries> {
    match &value.value {
        RawValue::Map(entries) => Some(entries),
        other => {
            options.problem(
                value.referenced,
                format!("`{key}` must be a mapping, not {}", other.shape()),
                None,
            );
            None
        }
    }
}

/// Every key of `entries` must be one of `known` (a short list, so the fix lists them all).
pub fn known_keys(options: &mut Options<'_>, section: &str, entries: &Entries, known: &[&str]) {
    for (key, _) in entries {
        if known.contains(&key.value.as_str()) {
            continue;
        }
        let fix = format!("`{section}` takes: {}", known.join(", "));
        options.problem(
            key.referenced,
            format!("`{}` is not part of `{section}`", key.value),
            Some(fix),
        );
    }
}

/// The value under `key` in `entries`, unless absent or null.
pub fn entry<'a>(entries: &'a Entries, key: &str) -> Option<&'a S<RawValue>> {
    entries
        .iter()
        .find(|(name, _)| name.value == key)
        .map(|(_, value)| value)
        .filter(|value| !matches!(value.value, RawValue::Null))
}

/// A scalar as text, or a located problem.
pub fn scalar(options: &mut Options<'_>, key: &str, value: &S<RawValue>) -> Option<String> {
    let text = value.value.scalar_text();
    if text.is_none() {
        options.problem(
            value.referenced,
            format!("`{key}` must be text, not {}", value.value.shape()),
            None,
        );
    }
    text
}

/// A scalar read as a template (`${NAME}` expanded first), or a located problem.
pub fn template(options: &mut Options<'_>, key: &str, value: &S<RawValue>) -> Option<Template> {
    let written = scalar(options, key, value)?;
    let parsed = Template::parse(&written, &|text| options.expand_env(text));
    match parsed {
        Ok(template) => Some(Template {
            at: value.referenced,
            ..template
        }),
        Err((message, fix)) => {
            // Name the key: `path: /x/{` rather than `/x/{`.
            let message = match message.strip_prefix(&format!("`{written}`")) {
                Some(rest) => format!("`{key}: {written}`{rest}"),
                None => message,
            };
            options.problem(value.referenced, message, Some(fix));
            None
        }
    }
}

/// Reads `request:`; `None` after recording the problems.
pub fn read(options: &mut Options<'_>, at: Location) -> Option<RequestSpec> {
    let Some(value) = options.raw_value("request") else {
        options.problem(
            at,
            "an `http` check needs `request:`",
            Some("add `request: { path: /api/v1/… }` (Desk) or `request: { path: /crm/{api_version}/… }` (CRM)".to_owned()),
        );
        return None;
    };
    let entries = mapping(options, "request", value)?;
    known_keys(options, "request", entries, &REQUEST_KEYS);
    let method = match entry(entries, "method") {
        None => Some(Method::Get),
        Some(value) => {
            let text = scalar(options, "method", value)?;
            match text.to_ascii_uppercase().as_str() {
                "GET" => Some(Method::Get),
                "HEAD" => Some(Method::Head),
                _ => {
                    options.problem(
                        value.referenced,
                        format!("`method: {text}` is not allowed: a diagnosis only reads"),
                        Some("use `GET` (the default) or `HEAD`".to_owned()),
                    );
                    None
                }
            }
        }
    };
    let target = match (entry(entries, "path"), entry(entries, "url")) {
        (Some(path), None) => read_path(options, path),
        (None, Some(url)) => read_url(options, url),
        (Some(_), Some(url)) => {
            options.problem(
                url.referenced,
                "`request` has both `path` and `url`",
                Some("keep one: `path` on the app's host, or a full `url`".to_owned()),
            );
            None
        }
        (None, None) => {
            options.problem(
                value.referenced,
                "`request` needs `path` or `url`",
                Some(match options.app {
                    Some(App::Crm) => "add `path: /crm/{api_version}/…`".to_owned(),
                    _ => "add `path: /api/v1/…`".to_owned(),
                }),
            );
            None
        }
    };
    let headers = read_headers(options, entries);
    Some(RequestSpec {
        method: method?,
        target: target?,
        headers: headers?,
    })
}

fn read_path(options: &mut Options<'_>, value: &S<RawValue>) -> Option<Target> {
    let path = template(options, "path", value)?;
    let app = options.app?;
    let (prefix, example, product) = match app {
        App::Desk => ("/api/v1/", "/api/v1/tickets", "Zoho Desk"),
        App::Crm => ("/crm/", "/crm/{api_version}/Leads", "Zoho CRM"),
    };
    let shown = path.shown();
    if !path.literal_prefix().starts_with(prefix) {
        options.problem(
            value.referenced,
            format!("`path: {shown}` must start with `{prefix}` on {product}"),
            Some(format!(
                "write it like `{example}`; the host for the connection's data centre is added for you{}",
                if app == App::Desk { ", and so is the orgId header" } else { "" }
            )),
        );
        return None;
    }
    if let Some(why) = unsafe_path(&shown) {
        options.problem(
            value.referenced,
            format!("`path: {shown}` {why}"),
            Some(format!("write a plain path like `{example}`")),
        );
        return None;
    }
    Some(Target::Path { app, path })
}

/// Why a path may not be sent as is: a `..` segment, a fragment, spaces or control characters.
fn unsafe_path(path: &str) -> Option<&'static str> {
    if path.split(['/', '?']).any(|segment| segment == "..") {
        Some("may not climb out with `..`")
    } else if path.contains('#') {
        Some("may not have a `#` fragment")
    } else if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("may not contain spaces or control characters")
    } else {
        None
    }
}

fn read_url(options: &mut Options<'_>, value: &S<RawValue>) -> Option<Target> {
    let url = template(options, "url", value)?;
    let shown = url.shown();
    let fix = "write a URL on the connection's own Zoho hosts, like `https://www.zohoapis.com/crm/{api_version}/org` or `https://desk.zoho.eu/api/v1/tickets`, or use `path`";
    let prefix = url.literal_prefix();
    let after_scheme = prefix.strip_prefix("https://");
    let host_end = after_scheme.and_then(|rest| rest.find(['/', '?']));
    let (Some(after_scheme), Some(host_end)) = (after_scheme, host_end) else {
        let message = if prefix.starts_with("http://") {
            format!("`url: {shown}` uses plain http://; a token only travels over https")
        } else {
            format!("`url: {shown}` must start with `https://` and a host written out")
        };
        options.problem(value.referenced, message, Some(fix.to_owned()));
        return None;
    };
    let host_text = after_scheme[..host_end].to_ascii_lowercase();
    let Some((host, dc)) = zoho_host(&host_text) else {
        options.problem(
            value.referenced,
            format!(
                "`url: {shown}` is not on a Zoho accounts, API or Desk host: the token is never sent elsewhere"
            ),
            Some(fix.to_owned()),
        );
        return None;
    };
    let mut rest = url.clone();
    if let Some(super::http_template::Part::Text(first)) = rest.parts.first_mut() {
        *first = first["https://".len() + host_end..].to_owned();
    }
    if let Some(why) = unsafe_path(&rest.shown()) {
        options.problem(
            value.referenced,
            format!("`url: {shown}` {why}"),
            Some(fix.to_owned()),
        );
        return None;
    }
    Some(Target::Url { host, dc, rest })
}

/// The kind and data centre of a Zoho host: accounts, API (`www.`, `sandbox.`, `developer.`)
/// or Desk.
fn zoho_host(host: &str) -> Option<(HostKind, DataCentre)> {
    DataCentre::ALL.into_iter().find_map(|dc| {
        let api = dc.api_host();
        let tld_api = api.trim_start_matches("www.");
        let kinds = [
            (HostKind::Accounts, dc.accounts_host()),
            (HostKind::Api, api.clone()),
            (HostKind::Desk, dc.desk_host()),
            (HostKind::Sandbox, format!("sandbox.{tld_api}")),
            (HostKind::Developer, format!("developer.{tld_api}")),
        ];
        kinds
            .into_iter()
            .find(|(_, name)| name == host)
            .map(|(kind, _)| (kind, dc))
    })
}

fn read_headers(options: &mut Options<'_>, entries: &Entries) -> Option<Vec<(String, Template)>> {
    let Some(value) = entry(entries, "headers") else {
        return Some(Vec::new());
    };
    let headers = mapping(options, "headers", value)?;
    let mut read = Vec::new();
    let mut ok = true;
    for (name, value) in headers {
        let lower = name.value.to_ascii_lowercase();
        if FORBIDDEN_HEADERS.contains(&lower.as_str()) {
            options.problem(
                name.referenced,
                format!("the header `{}` may not be set by a check", name.value),
                Some("remove it: zoho-doctor sends the token (`Authorization`) and the Desk `orgId` itself, only to Zoho".to_owned()),
            );
            ok = false;
            continue;
        }
        if name.value.is_empty()
            || !name
                .value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            options.problem(
                name.referenced,
                format!("`{}` is not a header name", name.value),
                Some("use letters, digits and `-`, like `X-Example`".to_owned()),
            );
            ok = false;
            continue;
        }
        match template(options, "headers", value) {
            Some(template) if template.shown().chars().any(char::is_control) => {
                options.problem(
                    value.referenced,
                    format!(
                        "the value of header `{}` has a control character",
                        name.value
                    ),
                    None,
                );
                ok = false;
            }
            Some(template) => read.push((name.value.clone(), template)),
            None => ok = false,
        }
    }
    ok.then_some(read)
}

impl RequestSpec {
    /// Every template of the request: the path or URL, then each header value.
    pub fn templates(&self) -> impl Iterator<Item = &Template> {
        let target = match &self.target {
            Target::Path { path, .. } => path,
            Target::Url { rest, .. } => rest,
        };
        std::iter::once(target).chain(self.headers.iter().map(|(_, value)| value))
    }

    /// Whether the call goes to Desk, so it carries `orgId`.
    pub fn is_desk(&self) -> bool {
        matches!(
            self.target,
            Target::Path { app: App::Desk, .. }
                | Target::Url {
                    host: HostKind::Desk,
                    ..
                }
        )
    }

    /// The URL to call for this connection: the service's base (overrides applied) and the
    /// rendered path. `Err` names an unknown fact, or says why the URL is not the connection's.
    pub fn url(
        &self,
        ctx: &CheckContext,
        value: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, Refusal> {
        let render = |template: &Template| {
            template
                .render(value, url_encode)
                .map_err(|name| Refusal::Unknown(name.to_owned()))
        };
        match &self.target {
            Target::Path { app, path } => {
                let base = match app {
                    App::Desk => ctx.desk_base(),
                    App::Crm => ctx.api_base(),
                };
                Ok(format!("{base}{}", render(path)?))
            }
            Target::Url { host, dc, rest } => {
                let own = ctx.dc();
                if *dc != own {
                    return Err(Refusal::OtherDataCentre(*dc, own));
                }
                let endpoints = &ctx.env.endpoints;
                let base = match host {
                    HostKind::Accounts => endpoints.accounts(own),
                    HostKind::Desk => endpoints.desk(own),
                    HostKind::Api => endpoints.api(own),
                    // An API override (a proxy, the simulator) serves these too.
                    HostKind::Sandbox | HostKind::Developer if endpoints.api_overridden() => {
                        endpoints.api(own)
                    }
                    HostKind::Sandbox => format!(
                        "https://sandbox.{}",
                        own.api_host().trim_start_matches("www.")
                    ),
                    HostKind::Developer => format!(
                        "https://developer.{}",
                        own.api_host().trim_start_matches("www.")
                    ),
                };
                Ok(format!("{base}{}", render(rest)?))
            }
        }
    }

    /// The extra headers, rendered (facts as they are: a header value is not a URL).
    pub fn header_values(
        &self,
        value: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<(String, String)>, Refusal> {
        self.headers
            .iter()
            .map(|(name, template)| {
                let rendered = template
                    .render(value, as_is)
                    .map_err(|name| Refusal::Unknown(name.to_owned()))?;
                // A fact's value must not split the header.
                if rendered.chars().any(char::is_control) {
                    return Err(Refusal::ControlInHeader(name.clone()));
                }
                Ok((name.clone(), rendered))
            })
            .collect()
    }
}

/// Why a request is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A fact the template names is not known for this connection.
    Unknown(String),
    /// The URL names another data centre's host than the connection's.
    OtherDataCentre(DataCentre, DataCentre),
    /// A fact put a control character into a header.
    ControlInHeader(String),
}
