//! hookctl: send, receive, verify and replay payment-provider webhooks.
//!
//! One value flows through every command: a [`delivery::Delivery`]. A fixture from the
//! [`catalogue`] is [`compose`]d into one and signed by a [`scheme`]; [`batch`] makes jobs of
//! fixtures or captures, [`dispatch`] sends them with the [`client`] and hands each [`outcome`] to
//! a report. The [`server`] reads deliveries, the [`receiver`] answers, [`inspect`]s and
//! [`capture`]s them. Provider knowledge lives in the catalogue and the schemes only; [`output`] is
//! the only part that writes to the terminal, and [`commands`] wire the parts together, one file
//! per subcommand. The README's "Development" section draws the flow file by file.

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
pub mod probe;
pub mod receiver;
pub mod redact;
pub mod retry;
pub mod scheme;
pub mod server;
pub mod signals;
pub mod target;
pub mod units;
