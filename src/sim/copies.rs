//! Fleets for benchmarks (`sim --copies token-expired=10000`): more accounts played exactly as
//! one scenario plays its own, each with its own Desk organisation, refresh token and access
//! token. Copies of one stored row would share a refresh token, and Zoho's mint budget (ten per
//! ten minutes) would refuse all but the first ten refreshes.

use super::{SCENARIOS, Sim};

/// Parses `--copies SCENARIO=N`: a scenario of the catalogue and how many copies (at least one).
pub fn parse_copies(text: &str) -> Result<(String, usize), String> {
    let (name, count) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not SCENARIO=N (e.g. token-expired=10000)"))?;
    if !SCENARIOS.iter().any(|scenario| scenario.name == name) {
        return Err(format!(
            "no scenario `{name}`; `zoho-doctor sim --list` lists them"
        ));
    }
    match count.parse::<usize>() {
        Ok(count) if count > 0 => Ok((name.to_owned(), count)),
        _ => Err(format!("`{count}` is not a number of copies (1 or more)")),
    }
}

impl Sim {
    /// Adds `copies` accounts built as `scenario` builds its one; their rows, keyed
    /// `SCENARIO-1` … `SCENARIO-N`, join `seeds()`. False when there is no such scenario.
    pub fn add_copies(&mut self, scenario: &str, copies: usize) -> bool {
        let Some(info) = SCENARIOS.iter().find(|info| info.name == scenario) else {
            return false;
        };
        let mut world = self.lock();
        let rows: Vec<_> = (1..=copies)
            .map(|copy| {
                let mut seed = (info.build)(&mut world, info.name);
                seed.user_id = format!("{}-{copy}", info.name);
                // `build` adds exactly one account: name it as its row is keyed, so user info
                // and `--hostile USER=…` tell the copies apart.
                if let Some(account) = world.accounts.last_mut() {
                    account.user.clone_from(&seed.user_id);
                }
                seed
            })
            .collect();
        drop(world);
        self.seeds.extend(rows);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copies_flag_names_a_scenario_and_a_count() {
        assert_eq!(
            parse_copies("token-expired=3"),
            Ok(("token-expired".to_owned(), 3))
        );
        for bad in [
            "token-expired",
            "token-expired=0",
            "token-expired=x",
            "nope=3",
        ] {
            assert!(parse_copies(bad).is_err(), "{bad}");
        }
    }

    /// Every copy refreshes and reads its own organisation: more copies than one refresh
    /// token's mint budget, so copies sharing a refresh token would be refused.
    #[tokio::test]
    async fn each_copy_refreshes_with_its_own_token_and_reads_its_own_org() {
        let mut sim = Sim::start().await.unwrap();
        let copies = super::super::world::MINTS_PER_WINDOW + 2;
        assert!(sim.add_copies("token-expired", copies));
        assert!(!sim.add_copies("no-such-scenario", 1));
        let rows: Vec<_> = sim
            .seeds()
            .iter()
            .filter(|seed| seed.user_id.starts_with("token-expired-"))
            .cloned()
            .collect();
        assert_eq!(rows.len(), copies);
        // reqwest is built without a bundled crypto provider (see zoho/http.rs).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::new();
        let mut orgs = std::collections::HashSet::new();
        for (n, row) in rows.iter().enumerate() {
            assert_eq!(row.user_id, format!("token-expired-{}", n + 1));
            let answer: serde_json::Value = client
                .post(format!("{}/accounts/us/oauth/v2/token", sim.base_url()))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", row.client_id.as_deref().unwrap()),
                    ("client_secret", row.client_secret.as_deref().unwrap()),
                    ("refresh_token", row.refresh_token.as_deref().unwrap()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token = answer["access_token"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: {answer}", row.user_id));
            let organizations: serde_json::Value = client
                .get(format!("{}/desk/us/api/v1/organizations", sim.base_url()))
                .header("Authorization", format!("Zoho-oauthtoken {token}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = organizations["data"][0]["id"].to_string();
            assert_eq!(Some(id.clone()), row.desk_org_id, "{}", row.user_id);
            orgs.insert(id);
        }
        assert_eq!(orgs.len(), copies, "every copy has its own organisation");
    }
}
