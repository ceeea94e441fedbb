//! Store URLs in messages: the password masked (even in a URL too odd to parse), found without
//! parsing, and the `host:port/database` a "cannot reach" message names.

/// The URL with any password masked, for every message — even a URL too odd to parse (a
/// password holding `/`, say).
pub fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => match url_password(url) {
            Some(password) => url.replacen(&format!(":{password}@"), ":***@", 1),
            None => url.to_owned(),
        },
    }
}

/// The password of a `scheme://user:password@host…` URL, found without parsing: everything
/// between the first `:` after the user and the last `@`.
pub fn url_password(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let (userinfo, _) = rest.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then(|| password.to_owned())
}

/// `host:port/database` of a URL, for "cannot reach" messages.
pub(super) fn target_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.host_str().is_some() => format!(
            "{}{}{}",
            parsed.host_str().unwrap_or_default(),
            parsed.port().map(|p| format!(":{p}")).unwrap_or_default(),
            parsed.path()
        ),
        _ => display_url(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_masked_in_the_url() {
        assert_eq!(
            display_url("postgres://app:hunter2@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(display_url("sqlite://a.db"), "sqlite://a.db");
        assert_eq!(
            display_url("postgres://app:pa/ss-Secret9@127.0.0.1:1/x"),
            "postgres://app:***@127.0.0.1:1/x"
        );
        assert_eq!(target_of("postgres://app:hunter2@db:5432/x"), "db:5432/x");
    }
}
