//! Hostile clients against the real server (issue #11): a client that sends its headers a
//! byte at a time is disconnected, one that sends its body slowly gets a 408 in Chinese,
//! oversized bodies are refused before they are read, and file paths cannot climb out of the
//! data folder. The server keeps serving everyone else throughout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{get, http, start_with_env};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const TIMEOUTS: &[(&str, &str)] = &[
    ("GONGKAI_HTTP_HEADER_READ_TIMEOUT_SECS", "2"),
    ("GONGKAI_HTTP_REQUEST_TIMEOUT_SECS", "3"),
];

/// Writes `chunks` one every `every`; returns how long until the server closed the connection
/// (a write or read fails, or the read sees the end), or `None` if it stayed open to the end.
fn drip(addr: &str, head: &str, chunks: usize, every: Duration) -> (Option<Duration>, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let start = Instant::now();
    s.write_all(head.as_bytes()).unwrap();
    let mut got = Vec::new();
    for _ in 0..chunks {
        std::thread::sleep(every);
        let mut buf = [0u8; 4096];
        match s.read(&mut buf) {
            Ok(0) => return (Some(start.elapsed()), String::from_utf8_lossy(&got).into()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return (Some(start.elapsed()), String::from_utf8_lossy(&got).into()),
        }
        if s.write_all(b"a").is_err() {
            return (Some(start.elapsed()), String::from_utf8_lossy(&got).into());
        }
    }
    (None, String::from_utf8_lossy(&got).into())
}

#[test]
fn slow_and_hostile_clients_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, addr) = start_with_env(&data, true, &[], TIMEOUTS);

    // Slowloris: headers a byte every 300 ms never complete; the header timeout (2 s) closes
    // the connection well before the 10 s the client would go on for.
    let (closed, _) = drip(
        &addr,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
        33,
        Duration::from_millis(300),
    );
    let closed = closed.expect("the server kept a header-dripping client for 10 s");
    assert!(closed < Duration::from_secs(8), "closed after {closed:?}");

    // A slow body: the request timeout (3 s) answers 408 with a Chinese page.
    let (closed, answer) = drip(
        &addr,
        "POST /mailbox HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
        40,
        Duration::from_millis(300),
    );
    assert!(closed.is_some() || answer.contains(" 408 "), "{answer}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("请求超时"), "{answer}");

    // A body announced far beyond the upload limit is refused before it is read.
    let (status, _, _) = http(
        &addr,
        "POST /apply HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 900000000\r\nConnection: close\r\n\r\n--x",
    )
    .unwrap();
    assert_eq!(status, 413);

    // Paths that try to climb out of the files and static folders find nothing.
    for path in [
        "/files/../../../../etc/passwd",
        "/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/files/..%2f..%2f..%2fetc%2fpasswd",
        "/static/../../Cargo.toml",
        "/static/%2e%2e/%2e%2e/Cargo.toml",
        "/static/..%2f..%2fCargo.toml",
        "/files/aa/bb/..%2f..%2f..%2fgongkai.db",
    ] {
        let (status, body) = get(&addr, path, None);
        assert!((400..500).contains(&status), "{path}: {status}");
        assert!(
            !body.contains("root:")
                && !body.contains("[workspace]")
                && !body.contains("SQLite format"),
            "{path}"
        );
    }

    // Everyone else was served all along.
    let (status, body) = get(&addr, "/", None);
    assert_eq!(status, 200);
    assert!(body.contains("lang=\"zh-CN\""));
    child.kill().unwrap();
    child.wait().unwrap();
}
