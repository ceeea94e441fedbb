//! The run's secrets, collected in one place before anything is read or printed: the client
//! secret and tokens the environment holds and the store's password (as written and
//! percent-decoded). Each connection's secrets travel with the connection (`Connection::secrets`)
//! and with the tokens checks mint (`Discovery::secret`); the runner registers those, in one place,
//! when it starts the connection and as each check finishes.

use secrecy::SecretString;

use crate::{
    store,
    zoho::{DataCentre, oauth::Clients},
};

/// The environment variables that may hold a secret (never an argument: `ps` shows those).
const SECRET_VARIABLES: [&str; 3] = [
    "ZOHO_CLIENT_SECRET",
    "ZOHO_REFRESH_TOKEN",
    "ZOHO_ACCESS_TOKEN",
];

/// Every secret of the run: from the environment (`env`), and the password of every store URL
/// the run may open (`ZOHO_DOCTOR_STORE` and `--store`).
pub fn of_run(env: &dyn Fn(&str) -> Option<String>, store_url: Option<&str>) -> Vec<SecretString> {
    // Each data centre's own client secret (`ZOHO_CLIENT_SECRET_EU`, ...) is a secret too.
    let per_dc = DataCentre::ALL.map(Clients::secret_variable);
    let mut secrets: Vec<String> = SECRET_VARIABLES
        .iter()
        .copied()
        .chain(per_dc.iter().map(String::as_str))
        .filter_map(env)
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
    fn each_data_centres_own_client_secret_is_a_secret_of_the_run() {
        let env = |name: &str| match name {
            "ZOHO_CLIENT_SECRET_EU" => Some("eu-secret-1".to_owned()),
            "ZOHO_CLIENT_SECRET_CN" => Some("cn-secret-1".to_owned()),
            "ZOHO_CLIENT_ID_EU" => Some("1000.not-a-secret".to_owned()),
            _ => None,
        };
        assert_eq!(exposed(&of_run(&env, None)), ["eu-secret-1", "cn-secret-1"]);
    }

    #[test]
    fn nothing_secret_gives_nothing() {
        assert!(of_run(&|_| None, Some("sqlite://x.db")).is_empty());
    }
}
