//! zoho-doctor: diagnoses Zoho OAuth connections (CRM and Desk). A YAML pipeline of checks runs
//! over stored connections against Zoho (or the built-in simulator) and reports each link of
//! the chain — row, refresh, data centre, scopes, org id, portal, profile — with the fix.

pub mod app;
pub mod checks;
pub mod cli;
pub mod connect;
pub mod demo;
pub mod error;
pub mod exit;
pub mod job;
pub mod live;
pub mod outputs;
pub mod pipeline;
pub mod progress;
pub mod redact;
pub mod report;
pub mod runner;
pub mod secrets;
pub mod shard;
pub mod sim;
pub mod store;
pub mod text;
pub mod writer;
pub mod zoho;

pub use error::Error;
