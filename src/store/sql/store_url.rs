//! Store URLs in messages: the password masked (even in a URL too odd to parse), found without
//! parsing, the `host:port/database` a "cannot reach" message names, and the `sqlite://` URL a
//! bare path was meant as.

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

/// `--store app.db` (a path, no scheme) was meant as `sqlite://app.db`; `None` for anything with
/// a scheme (or a `:`, which a plain path rarely holds) and for `env`.
pub fn sqlite_guess(url: &str) -> Option<String> {
    let bare = !url.is_empty() && !url.contains(':') && url != "env";
    bare.then(|| format!("sqlite://{url}"))
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

    #[test]
    fn a_bare_path_is_guessed_as_sqlite() {
        assert_eq!(sqlite_guess("app.db").as_deref(), Some("sqlite://app.db"));
        assert_eq!(
            sqlite_guess("/var/lib/app.db").as_deref(),
            Some("sqlite:///var/lib/app.db")
        );
        for url in [
            "sqlite://app.db",
            "sqlite:app.db",
            "env:",
            "env",
            "redis://x",
            "",
        ] {
            assert_eq!(sqlite_guess(url), None, "{url}");
        }
    }
}
