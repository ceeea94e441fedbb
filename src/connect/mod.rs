//! `zoho-doctor connect`: a grant code (from `ZOHO_GRANT_CODE`, standard input or the loopback
//! receiver) exchanged once at the user's data centre, the connection stored without losing the
//! refresh token, then verified by the onboarding pipeline with write-back. Each step is a file:
//! `grant` (the code and `state`), `url` (the authorisation URL), `listen` (the receiver),
//! `exchange` (Zoho's answer, diagnosed), `save` (the store or an env file).

mod exchange;
mod grant;
mod listen;
mod save;
mod url;

use chrono::Utc;
use secrecy::{ExposeSecret as _, SecretString};

use crate::{
    Error,
    app::{StoreFrom, endpoints_from, mapping_from, store_url, warn_if_password_in_arguments},
    cli::{ConnectArgs, FailOn, Format},
    exit::Ending,
    job::{self, Job, Ui},
    outputs::Outputs,
    pipeline,
    redact::Redactor,
    runner::interrupt::Interrupt,
    store::{self, NewConnection, Store, StoredHow},
    zoho::{
        DataCentre,
        endpoints::Endpoints,
        http::{HttpOptions, ZohoHttp},
        oauth::Clients,
    },
};

pub use listen::Callback;

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// The data centre whose accounts server (under the endpoints in effect) is `server`: only
/// such a server may receive the client secret.
fn dc_of_accounts_server(endpoints: &Endpoints, server: &str) -> Option<DataCentre> {
    let wanted = server.trim().trim_end_matches('/').to_ascii_lowercase();
    DataCentre::ALL.into_iter().find(|dc| {
        endpoints
            .accounts(*dc)
            .trim_end_matches('/')
            .to_ascii_lowercase()
            == wanted
    })
}

pub async fn run(args: ConnectArgs, ui: Ui, redactor: &Redactor) -> Result<Ending, Error> {
    let pipeline = pipeline::load(&args.pipeline)?;
    let endpoints = endpoints_from(&args.endpoints)?;
    let mapping = mapping_from(&args.store)?;
    let clients = Clients::from_lookup(&|name| std::env::var(name).ok());
    let (store_url, from) = store_url(&args.store);
    if from == StoreFrom::Flag {
        warn_if_password_in_arguments(&store_url);
    }
    let to_env = store::is_env(&store_url);
    if to_env && args.write_env.is_none() {
        return Err(Error::Usage(
            "the env: store holds its connection in environment variables, which zoho-doctor cannot set for you; add `--write-env FILE` to write them to a file (mode 0600) to load into your secret store".to_owned(),
        ));
    }
    let mut dc = match args.dc.as_deref() {
        Some(text) => Some(DataCentre::parse(text).ok_or_else(|| {
            Error::Usage(format!(
                "--dc `{}` is not a data centre; use one of {}",
                crate::text::echo(text, 20),
                DataCentre::accepted_codes()
            ))
        })?),
        None => None,
    };
    if args.self_client && dc.is_none() {
        return Err(Error::Usage(
            "--self-client needs --dc: a Self Client's code works only at the accounts server of the data centre whose API console made it".to_owned(),
        ));
    }
    if dc.is_none() && !args.listen && !args.print_url {
        return Err(Error::Usage(
            "--dc is needed: the user's data centre (the `location` parameter of the redirect, or the API console's domain for a Self Client); --listen reads it from the redirect".to_owned(),
        ));
    }
    // The authorisation request goes to the given data centre, else to the US server, whose
    // sign-in sends each user on to their own (the redirect says which).
    let asked_dc = dc.unwrap_or(DataCentre::Us);
    let client_for = |dc: DataCentre| {
        clients.for_dc(None, dc, dc).ok_or_else(|| {
            Error::Usage(format!(
                "no OAuth client: set ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET (or {}) in the environment",
                Clients::secret_variable(dc)
            ))
        })
    };
    let redirect_uri = if args.self_client {
        None
    } else if args.listen {
        Some(listen::redirect_uri(args.listen_port))
    } else {
        env("ZOHO_REDIRECT_URI")
    };
    let state = grant::random_state();
    redactor.register(&state);
    let scopes = url::scopes(&pipeline);
    if args.print_url || args.listen {
        let Some(redirect) = redirect_uri.as_deref() else {
            return Err(Error::Usage(
                "--print-url needs the client's redirect URI: set ZOHO_REDIRECT_URI, or use --listen (a Self Client has no authorisation URL: generate its code in the API console)".to_owned(),
            ));
        };
        let client = client_for(asked_dc)?;
        let link = url::authorisation_url(
            &endpoints,
            asked_dc,
            &client.client_id,
            &scopes,
            redirect,
            &state,
        );
        if !args.listen {
            job::stdout(&format!(
                "Open this URL to authorise (its state is for information: only --listen checks it):\n{link}\n"
            ));
            return Ok(Ending::Passed);
        }
        let listener = listen::bind(args.listen_port).await.map_err(|err| {
            Error::Usage(format!(
                "cannot listen on {redirect}: {err}; choose another port with --listen-port (and register that redirect URI)"
            ))
        })?;
        // The state is printed in the URL the user must open: it is not secret from them.
        job::stdout(&format!(
            "Open this URL in a browser signed in as the user (waiting up to 5 minutes at {redirect}):\n{}\n",
            link
        ));
        let (callback, query) = listen::receive(listener, &state, listen::PATIENCE).await;
        if let Callback::Code { code, .. } = &callback {
            redactor.register_secret(code);
        }
        if let Some(query) = query.filter(|_| ui.verbose) {
            // The code and the state are registered: the trace shows where they came from.
            job::stderr(&crate::text::safe_lines(
                &redactor.redact(&format!("← GET /callback?{query}\n")),
            ));
        }
        match callback {
            Callback::Code {
                code,
                location,
                accounts_server,
            } => {
                redactor.register_secret(&code);
                let chosen = accounts_server
                    .as_deref()
                    .and_then(|server| dc_of_accounts_server(&endpoints, server));
                match (chosen, accounts_server) {
                    (Some(found), _) => dc = Some(found),
                    (None, Some(server)) => {
                        job::stderr(&format!(
                            "zoho-doctor: the redirect names the accounts server `{}` (location `{}`), which is no known data centre's under the endpoints in effect; the client secret is not sent there. Nothing was stored.\n",
                            crate::text::echo(&server, 100),
                            crate::text::echo(location.as_deref().unwrap_or("-"), 20)
                        ));
                        return Ok(Ending::NoGrant);
                    }
                    // No accounts-server: `location` names a data centre, whose accounts
                    // server under the endpoints in effect is a known one by construction.
                    (None, None) => {
                        dc = location
                            .as_deref()
                            .and_then(DataCentre::parse)
                            .or(dc)
                            .or(Some(asked_dc))
                    }
                }
                return finish(
                    &args,
                    ui,
                    redactor,
                    Finish {
                        pipeline,
                        endpoints,
                        mapping,
                        clients: clients.clone(),
                        store_url,
                        dc: dc.unwrap_or(asked_dc),
                        code,
                        redirect_uri,
                        scopes,
                    },
                )
                .await;
            }
            Callback::Denied => {
                job::stderr(
                    "zoho-doctor: the user clicked Deny on Zoho's consent screen (access_denied): no code, nothing stored. Ask them to authorise again and accept the scopes.\n",
                );
            }
            Callback::Error(error) => job::stderr(&format!(
                "zoho-doctor: the redirect carried an error instead of a code: `{}`; nothing stored\n",
                crate::text::echo(&error, 100)
            )),
            Callback::WrongState => job::stderr(
                "zoho-doctor: the redirect's state is not this run's (a stale or forged redirect): its code was not used; nothing stored. Open the URL printed by this run.\n",
            ),
            Callback::TimedOut => job::stderr(
                "zoho-doctor: no redirect came within 5 minutes; nothing stored. Run connect --listen again.\n",
            ),
        }
        return Ok(Ending::NoGrant);
    }
    // A missing client is said before the user pastes a code.
    client_for(asked_dc)?;
    let Some(code) = grant::read_code(&|name| std::env::var(name).ok()) else {
        return Err(Error::Usage(
            "no grant code: set ZOHO_GRANT_CODE or pass it on standard input (never as an argument)".to_owned(),
        ));
    };
    redactor.register_secret(&code);
    finish(
        &args,
        ui,
        redactor,
        Finish {
            pipeline,
            endpoints,
            mapping,
            clients,
            store_url,
            dc: asked_dc,
            code,
            redirect_uri,
            scopes,
        },
    )
    .await
}

/// An existing row without `--replace`: nothing changes.
fn exists(user: &str, store: &str) -> Error {
    Error::Usage(format!(
        "user `{}` already has a row in {store}; nothing was changed. `--replace` updates its token columns in place (the old refresh token stays live at Zoho until revoked)",
        crate::text::echo(user, 100)
    ))
}

/// What the exchange, the store and the verification need.
struct Finish {
    pipeline: pipeline::Pipeline,
    endpoints: Endpoints,
    mapping: store::Mapping,
    clients: Clients,
    store_url: String,
    dc: DataCentre,
    code: SecretString,
    redirect_uri: Option<String>,
    scopes: Vec<String>,
}

async fn finish(
    args: &ConnectArgs,
    ui: Ui,
    redactor: &Redactor,
    f: Finish,
) -> Result<Ending, Error> {
    let Some(client) = f.clients.for_dc(None, f.dc, f.dc) else {
        return Err(Error::Usage(format!(
            "no OAuth client: set ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET (or {}) in the environment",
            Clients::secret_variable(f.dc)
        )));
    };
    let http = ZohoHttp::new(
        HttpOptions {
            timeout: f.pipeline.settings.timeout,
            // A code works once: a retry could only meet `invalid_code`.
            retries: 0,
            trace: ui.verbose,
        },
        redactor.clone(),
    )
    .map_err(Error::HttpClient)?;
    // The store is asked first: a code works once, and a refresh token nobody stores is lost.
    if args.write_env.is_none() && save::missing_sqlite_file(&f.store_url).is_none() {
        let (store, _) = save::open(&f.store_url, f.mapping.clone()).await?;
        if let Store::Sql(sql) = &store {
            let key = (f.mapping.preset != "zoho-sdk").then_some(args.user.as_str());
            if sql.check_storable(key, args.replace).await? == StoredHow::Exists {
                return Err(exists(&args.user, &store.describe()));
            }
        }
    }
    let accounts = f.endpoints.accounts(f.dc);
    let granted = match exchange::exchange(
        &http,
        &accounts,
        &client,
        &f.code,
        f.redirect_uri.as_deref(),
    )
    .await
    {
        Ok(granted) => granted,
        Err(exchange::Refused::Zoho(why)) => {
            job::stderr(&redactor.redact(&format!("zoho-doctor: {why}\nNothing was stored.\n")));
            return Ok(Ending::GrantRefused);
        }
        Err(exchange::Refused::Unreached(why)) => {
            job::stderr(&redactor.redact(&format!("zoho-doctor: {why}\nNothing was stored.\n")));
            return Ok(Ending::NoGrant);
        }
    };
    redactor.register_secret(&granted.refresh_token);
    redactor.register_secret(granted.minted.access_token.secret());
    let granted_scopes = granted
        .minted
        .scope
        .as_deref()
        .map(|scope| {
            scope
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_else(|| f.scopes.join(","));
    // The SDKs key their table by the user's email (`user_name`), as they write it.
    let mut user = args.user.clone();
    if f.mapping.preset == "zoho-sdk" && args.write_env.is_none() {
        match exchange::user_email(&http, &accounts, &granted.minted.access_token).await {
            Ok(email) => {
                job::stdout(&format!(
                    "The zoho-sdk table is keyed by the user's email: storing under user_name `{}`.\n",
                    crate::text::echo(&email, 100)
                ));
                user = email;
            }
            Err(why) => job::stderr(&redactor.redact(&format!(
                "zoho-doctor: warning: user info did not give the user's email ({why}; the grant needs {}), so user_name is `{}` as given by --user\n",
                url::PROFILE_SCOPE,
                crate::text::echo(&args.user, 100)
            ))),
        }
    }
    let new = NewConnection {
        user_id: user.clone(),
        refresh_token: granted.refresh_token.clone(),
        access_token: SecretString::from(
            granted
                .minted
                .access_token
                .secret()
                .expose_secret()
                .to_owned(),
        ),
        expires_at: Utc::now()
            + chrono::Duration::from_std(granted.minted.expires_in.lifetime()).unwrap_or_default(),
        api_domain: granted.minted.api_domain.clone(),
        dc: Some(f.dc.code().to_owned()),
        scopes: Some(granted_scopes),
        client: args.self_client.then(|| client.clone()),
    };
    if let Some(path) = &args.write_env {
        save::write_env(path, &new)?;
        job::stdout(&format!(
            "Wrote the env: store's variables to {} (mode 0600); load them into your secret store, then verify with `zoho-doctor run -p onboarding --store env:`.\n",
            crate::text::safe(&path.display().to_string())
        ));
        return Ok(Ending::Passed);
    }
    let (store, created) = save::open(&f.store_url, f.mapping.clone()).await?;
    let shown = store.describe();
    if created {
        job::stdout(&format!(
            "Created {shown} with the seed table (a new file: check the path is the one your app reads).\n"
        ));
    }
    let Store::Sql(sql) = &store else {
        return Err(Error::Usage(
            "the env: store cannot be written; use --write-env FILE".to_owned(),
        ));
    };
    if args.self_client && !sql.columns().1.contains(&store::Field::ClientSecret) {
        job::stderr(
            "zoho-doctor: WARNING: the table has no client_id/client_secret columns, but a Self Client's refresh token refreshes only with its own client id and secret: your app must be given them (ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET) or the connection will not refresh\n",
        );
    }
    match sql.store_new(&new, args.replace).await? {
        StoredHow::Exists => return Err(exists(&user, &shown)),
        StoredHow::Inserted => job::stdout(&format!(
            "Stored a new connection for user `{}` ({} data centre) in {shown}.\n",
            crate::text::echo(&user, 100),
            f.dc.label()
        )),
        StoredHow::Replaced => job::stdout(&format!(
            "Replaced the tokens of user `{}` in {shown} (other columns kept). The old refresh token stays live at Zoho until revoked (accounts.zoho.com → Connected Apps): Zoho keeps 20 per user, and the 21st deletes the oldest.\n",
            crate::text::echo(&user, 100)
        )),
    }
    drop(store);
    // Verify: the onboarding pipeline with write-back, as `run -p onboarding --fix` would.
    let store = Store::open(&f.store_url, f.mapping, true).await?;
    let outputs = Outputs::check(Format::Table, None, None, None)?;
    let interrupt = Interrupt::on_signals(crate::exit::exit_now);
    let job = Job {
        pipeline: f.pipeline,
        store,
        users: Some(vec![user.clone()]),
        endpoints: f.endpoints,
        force_refresh: false,
        fix: true,
        clients: f.clients,
        interrupt: interrupt.clone(),
        limits: Default::default(),
        shard: None,
    };
    let finished = job::execute(job, ui, redactor).await?;
    finished
        .report()
        .and_then(|report| job::emit(&report, &outputs, ui))
        .map_err(|error| job::report_failed(error, &finished))?;
    let ending = job::ending(&finished, FailOn::Fail, &interrupt);
    if ending != Ending::Passed {
        job::stderr(
            "zoho-doctor: the connection is stored (its refresh token works), but verification did not pass: fix what the table says, then `zoho-doctor run -p onboarding --user ID --fix`\n",
        );
    }
    Ok(ending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zoho::endpoints::Override;

    #[test]
    fn only_a_known_accounts_server_chooses_the_data_centre() {
        let zoho = Endpoints::zoho();
        assert_eq!(
            dc_of_accounts_server(&zoho, "https://accounts.zoho.eu"),
            Some(DataCentre::Eu)
        );
        assert_eq!(
            dc_of_accounts_server(&zoho, "https://accounts.zohocloud.ca/"),
            Some(DataCentre::Ca)
        );
        assert_eq!(
            dc_of_accounts_server(&zoho, "https://accounts.zoho.eu.evil.example"),
            None
        );
        assert_eq!(
            dc_of_accounts_server(&zoho, "http://127.0.0.1:9/accounts/eu"),
            None
        );
        let overridden = Endpoints::with_overrides(
            Override {
                source_name: "test",
                value: Some("http://127.0.0.1:9/accounts/{dc}".to_owned()),
            },
            Override {
                source_name: "test",
                value: None,
            },
            Override {
                source_name: "test",
                value: None,
            },
        )
        .expect("valid");
        assert_eq!(
            dc_of_accounts_server(&overridden, "http://127.0.0.1:9/accounts/eu"),
            Some(DataCentre::Eu)
        );
        assert_eq!(
            dc_of_accounts_server(&overridden, "https://accounts.zoho.eu"),
            None
        );
    }
}
