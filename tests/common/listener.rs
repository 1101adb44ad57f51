//! A `hookctl listen --port 0 --json` child process: its address comes from its first line, its
//! records arrive on a channel, and it is killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::Value;

use super::hookctl;

/// Generous: only reached when something is broken, never as synchronisation.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Listener {
    child: Option<Child>,
    pub port: u16,
    /// The `listening` record it started with.
    pub announced: Value,
    records: Receiver<Value>,
}

impl Listener {
    /// Start `hookctl listen --port 0 --json ARGS...` with extra environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = hookctl();
        command
            .args(["listen", "--port", "0", "--json"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("hookctl listen starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, records) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        let first = records
            .recv_timeout(PATIENCE)
            .expect("the listener announces its address");
        assert_eq!(first["type"], "listening", "{first}");
        super::check_record(&first);
        assert!(first["data"]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
        let port = first["data"]["port"].as_u64().unwrap() as u16;
        Listener {
            child: Some(child),
            port,
            announced: first,
            records,
        }
    }

    pub fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[])
    }

    /// `host:port` with a path, for `--to`.
    pub fn to(&self, path: &str) -> String {
        format!("127.0.0.1:{}{path}", self.port)
    }

    /// The next record, waiting as long as it takes (within reason).
    pub fn next(&self) -> Value {
        match self.records.recv_timeout(PATIENCE) {
            Ok(value) => {
                super::check_record(&value);
                value
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("the listener printed nothing for {PATIENCE:?}")
            }
            Err(RecvTimeoutError::Disconnected) => panic!("the listener's output ended"),
        }
    }

    /// The next `n` records of a type, skipping others.
    pub fn take(&self, kind: &str, n: usize) -> Vec<Value> {
        let mut found = Vec::with_capacity(n);
        while found.len() < n {
            let record = self.next();
            if record["type"] == kind {
                found.push(record["data"].clone());
            }
        }
        found
    }

    /// Wait for the listener to exit by itself (after --count or --timeout); returns the status
    /// and every record it printed that was not read yet.
    pub fn wait(mut self) -> (ExitStatus, Vec<Value>) {
        let mut child = self.child.take().unwrap();
        let status = child.wait().expect("the listener exits");
        let rest: Vec<Value> = self.records.iter().collect();
        rest.iter().for_each(super::check_record);
        (status, rest)
    }

    /// Send SIGINT, as Ctrl-C does, and wait for the exit.
    pub fn interrupt(self) -> (ExitStatus, Vec<Value>) {
        self.signal("-INT")
    }

    /// Send a signal (`-TERM`, `-KILL`, …) and wait for the exit.
    pub fn signal(mut self, signal: &str) -> (ExitStatus, Vec<Value>) {
        let child = self.child.as_ref().unwrap();
        let _ = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        let mut child = self.child.take().unwrap();
        let status = child.wait().expect("the listener exits");
        let rest: Vec<Value> = self.records.iter().collect();
        rest.iter().for_each(super::check_record);
        (status, rest)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Write raw bytes to the listener and read whatever it answers until it closes or `limit` passes.
pub fn raw_exchange(port: u16, request: &[u8], limit: Duration) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}
