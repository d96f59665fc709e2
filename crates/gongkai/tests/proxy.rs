//! Behind a trusted load balancer (issue #11, `[http] trusted_proxies`): the per-address limit
//! of failed logins counts each person the balancer forwards, not the balancer; and a client
//! that is not the balancer cannot choose its address by sending `X-Forwarded-For` itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cookie_value, http_from, start_with_env};
use std::net::IpAddr;

const BALANCER: [u8; 4] = [127, 0, 0, 9];
const STRANGER: [u8; 4] = [127, 0, 0, 10];

/// One login attempt from `from`, naming `forwarded_for` in `X-Forwarded-For` when given;
/// returns the status (303 = logged in, 200 = wrong password, 429 = throttled).
fn login(
    addr: &str,
    from: [u8; 4],
    forwarded_for: Option<&str>,
    user: &str,
    password: &str,
) -> u16 {
    let from = Some(IpAddr::from(from));
    let xff = forwarded_for
        .map(|a| format!("X-Forwarded-For: {a}\r\n"))
        .unwrap_or_default();
    let (_, head, _) = http_from(
        from,
        addr,
        format!("GET /admin/login HTTP/1.1\r\nHost: {addr}\r\n{xff}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let csrf = cookie_value(&head, "gk_csrf").expect("a CSRF cookie");
    let body = format!("csrf={csrf}&username={user}&password={password}&next=%2Fadmin");
    let (status, _, _) = http_from(
        from,
        addr,
        format!(
            "POST /admin/login HTTP/1.1\r\nHost: {addr}\r\n{xff}Connection: close\r\n\
             Cookie: gk_csrf={csrf}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    status
}

#[test]
fn a_trusted_balancer_names_the_client_and_nobody_else_can() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, addr) = start_with_env(
        &data,
        true,
        &[],
        &[
            ("GONGKAI_HTTP_TRUSTED_PROXIES", "127.0.0.9"),
            ("GONGKAI_LOGIN_MAX_FAILURES_PER_IP", "2"),
        ],
    );
    let wrong = "not-the-password";
    // The right password, from `from` on behalf of `client`: 303 logged in, 429 throttled.
    let right = |from, client| login(&addr, from, client, common::USER, common::PASSWORD);

    // Through the balancer, person A fails twice (two accounts, so only the address counts)
    // and is then throttled, even with the right password.
    let a = Some("198.51.100.5, 203.0.113.5"); // the left part is A's own, forged
    assert_ne!(login(&addr, BALANCER, a, "nobody-1", wrong), 429);
    assert_ne!(login(&addr, BALANCER, a, "nobody-2", wrong), 429);
    assert_eq!(right(BALANCER, a), 429);
    // Person B, through the same balancer, is not: B's own address has no failures.
    let b = Some("203.0.113.6");
    assert_eq!(right(BALANCER, b), 303);
    // A failure without the header counts against the balancer itself, not against B.
    assert_ne!(login(&addr, BALANCER, None, "nobody-3", wrong), 429);
    assert_eq!(right(BALANCER, b), 303);

    // A stranger (not a trusted proxy) who sends X-Forwarded-For is counted as itself: a fresh
    // forged address each time does not reset its count.
    assert_ne!(
        login(&addr, STRANGER, Some("192.0.2.1"), "nobody-4", wrong),
        429
    );
    assert_ne!(
        login(&addr, STRANGER, Some("192.0.2.2"), "nobody-5", wrong),
        429
    );
    assert_eq!(right(STRANGER, Some("192.0.2.3")), 429);

    child.kill().unwrap();
    child.wait().unwrap();
}
