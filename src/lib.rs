//! hookctl: send, receive, verify and replay payment-provider webhooks.
//!
//! One value flows through every command: a [`delivery::Delivery`]. A fixture from the
//! [`catalogue`] is [`compose`]d into one and signed by a [`scheme`]; [`batch`] makes jobs of
//! fixtures or captures, [`dispatch`] sends them with the [`client`] and hands each [`outcome`] to
//! a report. The [`server`] reads deliveries, the [`receiver`] answers, [`inspect`]s and
//! [`capture`]s them. Provider knowledge lives in the catalogue and the schemes only; [`output`] is
//! the only part that writes to the terminal, and [`commands`] wire the parts together, one file
//! per subcommand. The README's "Development" section draws the flow file by file.

pub(crate) mod batch;
pub mod capture;
pub mod catalogue;
pub mod cli;
pub(crate) mod client;
pub mod commands;
pub mod compose;
pub mod config;
pub mod delivery;
pub(crate) mod dispatch;
pub mod error;
pub mod inspect;
pub(crate) mod json;
pub(crate) mod outcome;
pub mod output;
pub(crate) mod probe;
pub(crate) mod receiver;
pub(crate) mod redact;
pub(crate) mod retry;
pub mod scheme;
pub mod server;
pub(crate) mod signals;
pub mod target;
pub(crate) mod units;
