//! The run's secrets, collected in one place before anything is read or printed: the client
//! secret and tokens the environment holds and the store's password (as written and
//! percent-decoded). Each connection's secrets travel with the connection (`Connection::secrets`)
//! and with the tokens checks mint (`Discovery::secret`); the runner registers those, in one place,
//! when it starts the connection and as each check finishes.

use secrecy::SecretString;

use crate::store;

/// The environment variables that may hold a secret (never an argument: `ps` shows those).
const SECRET_VARIABLES: [&str; 3] = [
    "ZOHO_CLIENT_SECRET",
    "ZOHO_REFRESH_TOKEN",
    "ZOHO_ACCESS_TOKEN",
];

/// Every secret of the run: from the environment (`env`), and the password of every store URL
/// the run may open (`ZOHO_DOCTOR_STORE` and `--store`).
pub fn of_run(env: &dyn Fn(&str) -> Option<String>, store_url: Option<&str>) -> Vec<SecretString> {
    let mut secrets: Vec<String> = SECRET_VARIABLES
        .iter()
        .filter_map(|name| env(name))
        .collect();
    let store_urls = env("ZOHO_DOCTOR_STORE")
        .into_iter()
        .chain(store_url.map(str::to_owned));
    for url in store_urls {
        secrets.extend(url_password_forms(&url));
    }
    secrets.into_iter().map(SecretString::from).collect()
}

/// A store URL's password as written and percent-decoded: an error message may show either.
fn url_password_forms(url: &str) -> Vec<String> {
    let Some(password) = store::url_password(url) else {
        return Vec::new();
    };
    let decoded: String =
        url::form_urlencoded::parse(format!("p={}", password.replace('+', "%2B")).as_bytes())
            .map(|(_, value)| value.into_owned())
            .collect();
    vec![password, decoded]
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn exposed(secrets: &[SecretString]) -> Vec<&str> {
        secrets.iter().map(|s| s.expose_secret()).collect()
    }

    #[test]
    fn the_run_collects_environment_secrets_and_store_passwords_in_both_forms() {
        let env = |name: &str| match name {
            "ZOHO_CLIENT_SECRET" => Some("client-secret-1".to_owned()),
            "ZOHO_DOCTOR_STORE" => Some("postgres://app:env%2Fpass@db/x".to_owned()),
            _ => None,
        };
        let secrets = of_run(&env, Some("mysql://root:arg-pass@db/y"));
        assert_eq!(
            exposed(&secrets),
            [
                "client-secret-1",
                "env%2Fpass",
                "env/pass",
                "arg-pass",
                "arg-pass"
            ]
        );
    }

    #[test]
    fn nothing_secret_gives_nothing() {
        assert!(of_run(&|_| None, Some("sqlite://x.db")).is_empty());
    }
}
