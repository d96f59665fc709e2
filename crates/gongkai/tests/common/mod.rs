//! Helpers for tests that run the real `gongkai serve` binary and talk HTTP to it.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub mod apply;
pub mod deploy;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
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
pub fn start_with_env(
    data: &std::path::Path,
    demo: bool,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Child, String) {
    spawn_serve(data, demo, extra, env, Stdio::null())
}

#[expect(
    clippy::zombie_processes,
    reason = "the child is returned to the caller, which kills and waits for it"
)]
fn spawn_serve(
    data: &std::path::Path,
    demo: bool,
    extra: &[&str],
    env: &[(&str, &str)],
    stderr: Stdio,
) -> (Child, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .envs(env.iter().copied())
        .env("GONGKAI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(stderr);
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

/// A running `gongkai serve` that is killed when dropped (also when a test fails), with its
/// standard error kept in a file.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts `serve` on `data` (no demo) with extra arguments and environment; standard error
    /// goes to `log`.
    pub fn start(data: &Path, extra: &[&str], env: &[(&str, &str)], log: &Path) -> Server {
        let file = std::fs::File::create(log).unwrap();
        let (child, addr) = spawn_serve(data, false, extra, env, Stdio::from(file));
        Server {
            child,
            addr,
            log: log.to_path_buf(),
        }
    }

    /// SIGKILL (std's `kill` on Unix): no shutdown, no flush, as a power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// True while the process runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// What it wrote to standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A minimal HTTP/1.1 exchange; returns (status, headers, body).
pub fn http(addr: &str, request: &str) -> std::io::Result<(u16, String, String)> {
    http_from(None, addr, request.as_bytes())
}

/// Connects to `addr`, from the source address `from` when given (any 127.x.y.z is this
/// machine's loopback on Linux).
pub fn connect_from(from: Option<IpAddr>, addr: &str) -> std::io::Result<TcpStream> {
    let to: SocketAddr = addr
        .parse()
        .map_err(|_| std::io::Error::other(format!("bad address {addr}")))?;
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    if let Some(ip) = from {
        socket.bind(&SocketAddr::new(ip, 0).into())?;
    }
    socket.connect_timeout(&to.into(), Duration::from_secs(10))?;
    Ok(socket.into())
}

/// [`http`] with a raw request, from a source address of its own.
pub fn http_from(
    from: Option<IpAddr>,
    addr: &str,
    request: &[u8],
) -> std::io::Result<(u16, String, String)> {
    let mut s = connect_from(from, addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(request)?;
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

/// The value of response header `name` (case-insensitive), if present.
pub fn header_value(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
}

/// A distinct loopback source address per call (127.2.0.1, 127.2.0.2, …): each submission of
/// a public form comes from an address of its own, as from different people, so the per-address
/// rate limits of the forms (which the tests do not switch off) are not what they meet.
pub fn fresh_ip() -> IpAddr {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let (hi, lo) = (n / 254, n % 254);
    IpAddr::from([
        127,
        2 + (hi / 256 % 250) as u8,
        (hi % 256) as u8,
        (lo + 1) as u8,
    ])
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
    login_as(addr, USER)
}

/// One login as the demo account `user` (the demo password).
pub fn login_as(addr: &str, user: &str) -> Option<String> {
    let (_, head, _) = http(
        addr,
        &format!("GET /admin/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .ok()?;
    let csrf = cookie_value(&head, "gk_csrf")?;
    let body = format!("csrf={csrf}&username={user}&password={PASSWORD}&next=%2Fadmin");
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

/// The value of the first hidden `csrf` field of a page.
pub fn hidden_csrf(body: &str) -> Option<String> {
    let at = body.find("name=\"csrf\" value=\"")?;
    let rest = &body[at + "name=\"csrf\" value=\"".len()..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string()).filter(|t| !t.is_empty())
}

/// Calls the JSON API with a bearer token; returns (status, JSON body).
pub fn api(
    addr: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, _, text) = http(
        addr,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .unwrap();
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{method} {path}: not JSON ({status}): {text}"));
    (status, json)
}
