//! All integration tests, in one binary: linking is most of the test time on a small machine.

// A test binary has no outside users: `pub` here means "shared between test modules".
#![allow(unreachable_pub)]

mod common;

mod catalogue;
mod cli;
mod completions;
mod guards;
mod journal;
mod listen;
mod php_json;
mod probe;
mod records;
mod replay;
mod retry;
mod robustness;
mod scenarios;
mod send;
mod vectors;
mod verdicts;
