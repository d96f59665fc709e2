//! Helpers for tests that run the real `gongkai serve` binary and talk HTTP to it.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_gongkai");
pub const USER: &str = "demo-admin";
pub const PASSWORD: &str = "Gongkai-demo-2019";

/// Starts `gongkai serve` on a free port and returns the child and its address.
pub fn start(data: &std::path::Path, demo: bool) -> (Child, String) {
    start_with(data, demo, &[])
}

/// Like [`start`], with extra arguments (e.g. `--database-url URL`).
pub fn start_with(data: &std::path::Path, demo: bool, extra: &[&str]) -> (Child, String) {
    start_with_env(data, demo, extra, &[])
}

/// Like [`start_with`], with extra environment variables (settings such as timeouts).
#[expect(
    clippy::zombie_processes,
    reason = "the child is returned to the caller, which kills and waits for it"
)]
pub fn start_with_env(
    data: &std::path::Path,
    demo: bool,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Child, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .envs(env.iter().copied())
        .env("GONGKAI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd.spawn().expect("spawn gongkai serve");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "serve did not start");
        let line = lines.next().expect("serve exited early").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_string();
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return (child, addr);
        }
    }
}

/// A minimal HTTP/1.1 exchange; returns (status, headers, body).
pub fn http(addr: &str, request: &str) -> std::io::Result<(u16, String, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    s.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, head.to_string(), body.to_string()))
}

pub fn cookie_value(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .filter_map(|l| l.split_once(':').map(|(_, v)| v.trim()))
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// One login; returns the session token when the server acknowledged it.
pub fn login(addr: &str) -> Option<String> {
    let (_, head, _) = http(
        addr,
        &format!("GET /admin/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .ok()?;
    let csrf = cookie_value(&head, "gk_csrf")?;
    let body = format!("csrf={csrf}&username={USER}&password={PASSWORD}&next=%2Fadmin");
    let (status, head, _) = http(
        addr,
        &format!(
            "POST /admin/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: gk_csrf={csrf}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .ok()?;
    if status != 303 {
        return None;
    }
    cookie_value(&head, "gk_session")
}

pub fn console_status(addr: &str, token: &str) -> u16 {
    http(
        addr,
        &format!(
            "GET /admin HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: gk_session={token}\r\n\r\n"
        ),
    )
    .map(|(s, _, _)| s)
    .unwrap_or(0)
}

/// GET `path` with an optional session cookie; returns (status, body).
pub fn get(addr: &str, path: &str, session: Option<&str>) -> (u16, String) {
    let cookie = session
        .map(|t| format!("Cookie: gk_session={t}\r\n"))
        .unwrap_or_default();
    let (status, _, body) = http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{cookie}\r\n"),
    )
    .unwrap();
    (status, body)
}
