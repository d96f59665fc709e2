//! Crash safety (issue #2): killing `gongkai serve` with SIGKILL while it is writing loses no
//! acknowledged write, and the audit chain still verifies after the restart.
//!
//! Writes are staff logins: each acknowledged login (a 303 with a session cookie) has committed a
//! session row, a login attempt and an audit record. After the kill and a restart every
//! acknowledged session must still open the console.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BIN, console_status, login, start};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn audit_verify(data: &std::path::Path) -> std::process::Output {
    Command::new(BIN)
        .args(["audit", "verify", "--data"])
        .arg(data)
        .output()
        .expect("run audit verify")
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, addr) = start(&data, true);
    assert!(login(&addr).is_some(), "the demo login must work");
    let before = audit_verify(&data);
    assert!(
        before.status.success(),
        "audit verify before the kill: {before:?}"
    );

    // Four writers log in as fast as they can; the server is killed while they run.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (addr, acked, stop) = (addr.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Some(token) = login(&addr) {
                        acked.lock().unwrap().push(token);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acked.lock().unwrap().len() < 40 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL"); // std's kill() sends SIGKILL on Unix
    child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 10,
        "too few writes before the kill: {}",
        acked.len()
    );

    // After the restart every acknowledged session still opens the console.
    let (mut child, addr) = start(&data, false);
    let lost: Vec<_> = acked
        .iter()
        .filter(|t| console_status(&addr, t) != 200)
        .collect();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged logins were lost",
        lost.len(),
        acked.len()
    );

    let after = audit_verify(&data);
    assert!(
        after.status.success(),
        "audit verify after the restart: {after:?}"
    );
}
