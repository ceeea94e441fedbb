//! Runs a pipeline over connections: one connection's checks through the scheduler
//! (`schedule`), many connections at a time (`fleet`), what `--fix` writes back (`fix_plan`) and
//! the projection into the report model (`project`).

mod dispatch;
mod fix_plan;
pub mod fleet;
pub mod interrupt;
mod project;
pub mod schedule;

use std::{sync::Arc, time::Duration};

use crate::{
    checks::{CheckContext, Facts, Kind, Outcome, RunEnv},
    pipeline::Pipeline,
    redact::Redactor,
    store::{Connection, WriteResult},
    zoho::App,
};
use schedule::{Step, schedule};

/// One check's result with its timing.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub id: String,
    pub kind: Kind,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// The results of one pipeline over one connection.
#[derive(Debug)]
pub struct ConnectionRun {
    pub user: String,
    pub connection: Option<Arc<Connection>>,
    pub checks: Vec<CheckRun>,
    pub facts: Facts,
    /// What `--fix` did with each value (or, for `env:`, would have done).
    pub changes: Vec<WriteResult>,
    /// The connection's redactor (the run's secrets, this connection's and the patterns): its
    /// part of the report is redacted with it.
    pub redactor: Redactor,
}

/// Runs every check of `pipeline` for one user.
pub async fn run_connection(
    pipeline: Arc<Pipeline>,
    env: Arc<RunEnv>,
    user: String,
    connection: Option<Connection>,
) -> ConnectionRun {
    let connection = connection.map(Arc::new);
    // The connection's secrets scope, its own redactor over the run's: its row's secrets, then
    // every token a check mints, registered as the check finishes — before any later check (or
    // its -v trace) can show it. Other connections never see them, nor pay for them.
    let org = connection
        .as_deref()
        .and_then(|connection| organisation(connection, env.app));
    let env = Arc::new(env.for_connection(org));
    if let Some(connection) = &connection {
        env.redactor.register_all(connection.secrets());
    }
    let facts = Facts::from_connection(connection.as_deref(), &env.endpoints);
    let steps: Vec<Step<'_>> = pipeline
        .checks
        .iter()
        .map(|def| Step {
            id: &def.id,
            needs: &def.needs,
            after: &def.after,
            timeout: def.timeout,
        })
        .collect();
    let (finished, facts) = schedule(&steps, facts, |index, facts| {
        let ctx = CheckContext {
            env: Arc::clone(&env),
            user: user.clone(),
            connection: connection.clone(),
            facts,
        };
        let spec = pipeline.checks[index].spec.clone();
        async move {
            let verdict = spec.run(&ctx).await;
            ctx.env
                .redactor
                .register_all(verdict.discoveries.iter().filter_map(|d| d.secret()));
            verdict
        }
    })
    .await;
    let checks = pipeline
        .checks
        .iter()
        .zip(finished)
        .map(|(def, done)| CheckRun {
            id: def.id.clone(),
            kind: def.spec.kind(),
            outcome: done.outcome,
            duration: done.duration,
        })
        .collect();
    ConnectionRun {
        user,
        connection,
        checks,
        facts,
        changes: Vec::new(),
        redactor: env.redactor.clone(),
    }
}

/// The Zoho organisation a row belongs to, as stored (its Desk org id for Desk, its CRM org id
/// for CRM), when it names one: Zoho's concurrency limits are per organisation, so `--per-org`
/// and a 429's hold are too.
pub fn organisation(connection: &Connection, app: App) -> Option<&str> {
    let stored = match app {
        App::Desk => connection.desk_org_id.raw(),
        App::Crm => connection.org_id.as_deref(),
    };
    stored.map(str::trim).filter(|org| !org.is_empty())
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::{
        checks::Settings,
        zoho::{
            App,
            endpoints::Endpoints,
            http::{HttpOptions, ZohoHttp},
        },
    };

    fn env(redactor: &Redactor) -> Arc<RunEnv> {
        let options = HttpOptions {
            timeout: Duration::from_secs(1),
            retries: 0,
            trace: false,
        };
        Arc::new(RunEnv {
            http: ZohoHttp::new(options, redactor.clone()).expect("HTTP client"),
            endpoints: Endpoints::zoho(),
            settings: Settings::default(),
            force_refresh: false,
            fix: false,
            clients: Default::default(),
            redactor: redactor.clone(),
            app: App::Desk,
            shared: Default::default(),
            limits: Default::default(),
        })
    }

    /// A row with only a refresh token: `connection-exists` judges it without calling Zoho.
    fn row(user: &str, refresh_token: &str) -> Connection {
        Connection {
            refresh_token: Some(SecretString::from(refresh_token.to_owned())),
            ..crate::checks::testing::row(user)
        }
    }

    #[test]
    fn a_rows_organisation_is_its_apps_org_id_as_stored() {
        let mut connection = crate::checks::testing::row("ada");
        connection.org_id = Some(" 777 ".to_owned());
        connection.desk_org_id = crate::store::Stored::read(Some("111".to_owned()), |_| {
            Err("not checked here".to_owned())
        });
        assert_eq!(organisation(&connection, App::Desk), Some("111"));
        assert_eq!(organisation(&connection, App::Crm), Some("777"));
        connection.org_id = Some("  ".to_owned());
        connection.desk_org_id = crate::store::Stored::Absent;
        assert_eq!(organisation(&connection, App::Desk), None);
        assert_eq!(organisation(&connection, App::Crm), None);
    }

    #[tokio::test]
    async fn each_connection_registers_its_secrets_in_its_own_redactor() {
        let yaml = "name: p\napp: desk\nchecks:\n  - id: connection\n    kind: connection-exists\n";
        let pipeline = Arc::new(crate::pipeline::load_str(yaml, "p.yaml", &|_| None).unwrap());
        let redactor = Redactor::new();
        redactor.register("run-client-secret");
        let env = env(&redactor);
        let mut runs = Vec::new();
        for (user, token) in [("ada", "ada-refresh-token"), ("bob", "bob-refresh-token")] {
            let run = run_connection(
                Arc::clone(&pipeline),
                Arc::clone(&env),
                user.to_owned(),
                Some(row(user, token)),
            )
            .await;
            runs.push(run);
        }
        let text = "run-client-secret ada-refresh-token bob-refresh-token";
        assert_eq!(runs[0].redactor.redact(text), "*** *** bob-refresh-token");
        assert_eq!(runs[1].redactor.redact(text), "*** ada-refresh-token ***");
        // The run's scope, which every later connection shares, did not grow.
        assert_eq!(
            env.redactor.for_connection().redact(text),
            "*** ada-refresh-token bob-refresh-token"
        );
        // The run's own redactor (errors and panics outside a connection) still masks them all.
        assert_eq!(env.redactor.redact(text), "*** *** ***");
    }
}
