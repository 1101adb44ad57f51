//! hookctl: send, receive, verify and replay payment-provider webhooks.
//!
//! The pipeline (see DESIGN.md): a fixture from the [`catalogue`] is rendered and [`compose`]d into
//! a [`delivery`], signed by a [`scheme`], and sent by the [`client`]; [`output`] is the only part
//! that writes to the terminal, and [`commands`] wire the parts together, one file per subcommand.

pub mod batch;
pub mod capture;
pub mod catalogue;
pub mod cli;
pub mod client;
pub mod commands;
pub mod compose;
pub mod config;
pub mod delivery;
pub mod dispatch;
pub mod error;
pub mod inspect;
pub mod json;
pub mod outcome;
pub mod output;
pub mod receiver;
pub mod redact;
pub mod scheme;
pub mod server;
pub mod signals;
pub mod target;
pub mod units;
