//! Times what `run --all` does before its first request to Zoho: open a store, list its users
//! and load their rows (`Store::users`, then `Store::load_many`, as the fleet does). `bench/run`
//! prints it; a benchmark, not a test.
//!
//! Usage: `cargo run --release --example store_load -- STORE_URL [TABLE [REPEATS]]` prints
//! `open_ms=… rows=… load_ms=… load_max_ms=…`: the open (on PostgreSQL its first connection),
//! and the best and worst of REPEATS loads (default 3) of TABLE (default zoho_connections, in
//! the simulator's seed layout) on the open store.

use std::time::Instant;

use zoho_doctor::store::{Mapping, Store};

/// The binary's allocator, so the figure is the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: store_load STORE_URL [TABLE [REPEATS]]")?;
    let table = args.next().unwrap_or_else(|| "zoho_connections".to_owned());
    let repeats: usize = args.next().map_or(Ok(3), |text| text.parse())?;
    let started = Instant::now();
    let store = Store::open(&url, Mapping::seed().with_table(&table), false).await?;
    let open = started.elapsed();
    let (mut best, mut worst, mut rows) = (f64::MAX, 0f64, 0);
    for _ in 0..repeats.max(1) {
        let started = Instant::now();
        let users = store.users().await?;
        let loaded = store.load_many(&users).await?;
        let took = started.elapsed().as_secs_f64() * 1000.0;
        rows = loaded.iter().map(Vec::len).sum();
        best = best.min(took);
        worst = worst.max(took);
    }
    println!(
        "open_ms={:.1} rows={rows} load_ms={best:.1} load_max_ms={worst:.1}",
        open.as_secs_f64() * 1000.0
    );
    Ok(())
}
