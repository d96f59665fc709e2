//! Failure modes of the real binary (issue #11):
//! - the database unavailable at start-up (a PostgreSQL port that refuses, a server that never
//!   answers, a SQLite path that is a folder or not a database): a message naming the database
//!   and the cause on standard error, a non-zero exit, within a bounded time;
//! - PostgreSQL "restarting" under load — a TCP proxy between the server and PostgreSQL cuts
//!   every connection and refuses new ones for a few seconds (the machine's shared PostgreSQL
//!   is never restarted): requests fail cleanly (503, a Chinese page or a JSON error, never a
//!   500 or a panic), the server recovers by itself when the database is back, and no
//!   acknowledged application is lost;
//! - a full disk while an attachment is uploaded (a small tmpfs on the data folder's `files/`,
//!   needs root): a Chinese 507 by the upload field, no attachment row, no partial file, and
//!   the server keeps working. On both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::apply::{Acked, Applicant, check_acknowledged, receipt, submit};
use common::deploy::Deployment;
use common::{BIN, api, fresh_ip, get, hidden_csrf, login_as};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Runs `gongkai ARGS…` and waits at most `limit` (then kills it and fails).
fn run_bounded(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gongkai {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `serve` must stop with a non-zero exit and a message on standard error containing every
/// one of `expected`, well within the bound.
fn refuses_to_start(data: &Path, url: &str, env: &[(&str, &str)], expected: &[&str]) {
    let data = data.to_str().unwrap();
    let out = run_bounded(
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--data",
            data,
            "--database-url",
            url,
        ],
        env,
        Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "serve started on {url}: {stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{url}: expected “{e}” in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn database_unavailable_at_start_up_is_a_clear_message_and_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();

    // Nothing listens on the port: refused at once, the URL (password hidden) and the cause.
    let port = free_port();
    let url = format!("postgres://gongkai:secret@127.0.0.1:{port}/gongkai");
    refuses_to_start(
        &data,
        &url,
        &[],
        &[
            "无法连接数据库",
            &format!("postgres://gongkai:***@127.0.0.1:{port}/gongkai"),
            "连接被拒绝",
        ],
    );

    // A server that accepts and never answers: the connect timeout ends the wait.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let (_conn, _) = silent.accept().unwrap();
        std::thread::sleep(Duration::from_secs(2));
    });
    refuses_to_start(
        &data,
        &format!("postgres://postgres@127.0.0.1:{port}/gongkai"),
        &[("GONGKAI_DATABASE_CONNECT_TIMEOUT_SECS", "1")],
        &["无法连接数据库", "1 秒内未能建立连接"],
    );
    held.join().unwrap();

    // SQLite: a path that is a folder, and a file that is not a database.
    let folder = dir.path().join("folder.db");
    std::fs::create_dir_all(&folder).unwrap();
    refuses_to_start(
        &data,
        &format!("sqlite://{}", folder.display()),
        &[],
        &["无法连接数据库", "SQLite 数据库文件", "无法打开"],
    );
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "这不是数据库".repeat(200)).unwrap();
    refuses_to_start(
        &data,
        &format!("sqlite://{}", garbage.display()),
        &[],
        &["无法连接数据库", "不是 SQLite 数据库"],
    );
}

// ---- PostgreSQL restarting under load --------------------------------------------------------

/// A TCP proxy in front of PostgreSQL that can be taken down (every connection cut, the port
/// closed so new connections are refused, as while a server restarts) and brought back on the
/// same port.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let accept = {
            let (up, stop, conns) = (up.clone(), stop.clone(), conns.clone());
            std::thread::spawn(move || {
                let mut listener = Some(listener);
                while !stop.load(Ordering::Relaxed) {
                    if !up.load(Ordering::Relaxed) {
                        listener = None; // closed: connections are refused
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                    let l = match &listener {
                        Some(l) => l,
                        None => match TcpListener::bind(addr) {
                            Ok(l) => listener.insert(l),
                            Err(_) => {
                                std::thread::sleep(Duration::from_millis(10));
                                continue;
                            }
                        },
                    };
                    l.set_nonblocking(true).unwrap();
                    match l.accept() {
                        Ok((client, _)) => {
                            client.set_nonblocking(false).unwrap();
                            let Ok(server) = TcpStream::connect(target) else {
                                continue;
                            };
                            let mut c = conns.lock().unwrap();
                            // Taken down meanwhile: this one is cut too.
                            if !up.load(Ordering::Relaxed) {
                                continue;
                            }
                            c.push(client.try_clone().unwrap());
                            c.push(server.try_clone().unwrap());
                            pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                            pipe(server, client);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Proxy {
            addr,
            up,
            stop,
            conns,
            accept: Some(accept),
        }
    }

    /// Cuts every connection and closes the port.
    fn down(&self) {
        let mut conns = self.conns.lock().unwrap();
        self.up.store(false, Ordering::Relaxed);
        for c in conns.drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Listens again on the same port.
    fn up(&self) {
        self.up.store(true, Ordering::Relaxed);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.down();
        if let Some(a) = self.accept.take() {
            let _ = a.join();
        }
    }
}

/// Copies `from` to `to` until either side closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

/// What the load saw, per phase.
#[derive(Default)]
struct Seen {
    /// (phase, status, what was asked, body) of every answer.
    answers: Vec<(u32, u16, &'static str, String)>,
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_restart_under_load_fails_cleanly_and_recovers() {
    let Some(dep) = Deployment::with_people(true).await else {
        return;
    };
    let org = dep.org_id("ccdpf").await;
    let target: SocketAddr = {
        let u = url::Url::parse(&dep.url).unwrap();
        let host = u.host_str().unwrap();
        let host = if host == "localhost" {
            "127.0.0.1"
        } else {
            host
        };
        format!("{host}:{}", u.port().unwrap_or(5432))
            .parse()
            .unwrap()
    };
    let proxy = Proxy::start(target);
    let proxied = {
        let mut u = url::Url::parse(&dep.url).unwrap();
        u.set_host(Some("127.0.0.1")).unwrap();
        u.set_port(Some(proxy.addr.port())).unwrap();
        u.to_string()
    };
    let mut server = dep.serve_instance(
        &dep.data,
        &proxied,
        &[("GONGKAI_DATABASE_ACQUIRE_TIMEOUT_SECS", "2")],
    );
    let addr = server.addr.clone();

    // Load: applicants submitting, readers of a page and of the API. Phases: 0 healthy,
    // 1 database down, 2 back up (after the first acknowledged write since).
    let phase = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let acked: Arc<Mutex<Vec<(u32, Acked)>>> = Arc::default();
    let numbers = Arc::new(AtomicU32::new(0));
    let mut load = Vec::new();
    for c in 0..3u32 {
        let (addr, phase, stop, seen, acked, numbers) = (
            addr.clone(),
            phase.clone(),
            stop.clone(),
            seen.clone(),
            acked.clone(),
            numbers.clone(),
        );
        load.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let p = phase.load(Ordering::Relaxed);
                if c == 2 {
                    // A reader: the catalog page and its API.
                    for (what, path) in [("page", "/catalog"), ("api", "/api/v1/catalog")] {
                        let (status, body) = get(&addr, path, None);
                        seen.lock().unwrap().answers.push((p, status, what, body));
                    }
                    continue;
                }
                let n = numbers.fetch_add(1, Ordering::Relaxed);
                let a = Applicant::numbered("restart", n, n % 3 == 0);
                let (status, page) = submit(&addr, fresh_ip(), org, &a).unwrap();
                if status == 200 {
                    let (tracking_no, secret) = receipt(&page).unwrap();
                    acked.lock().unwrap().push((
                        p,
                        Acked {
                            applicant: a,
                            tracking_no,
                            secret,
                        },
                    ));
                }
                seen.lock()
                    .unwrap()
                    .answers
                    .push((p, status, "apply", page));
            }
        }));
    }
    let acked_in = |p: u32| {
        acked
            .lock()
            .unwrap()
            .iter()
            .filter(|(q, _)| *q == p)
            .count()
    };
    let wait_until = |what: &str, cond: &dyn Fn() -> bool| {
        let started = Instant::now();
        while !cond() {
            assert!(started.elapsed() < Duration::from_secs(60), "{what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_until("no write while healthy", &|| acked_in(0) >= 3);
    proxy.down();
    phase.store(1, Ordering::Relaxed);
    let answered_down = |s: &Seen| s.answers.iter().filter(|a| a.0 == 1).count();
    wait_until("too few answers while the database was down", &|| {
        answered_down(&seen.lock().unwrap()) >= 6
    });
    proxy.up();
    phase.store(2, Ordering::Relaxed);
    wait_until("no recovery after the database came back", &|| {
        acked_in(2) >= 3
    });
    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.join().unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let mut tally = std::collections::BTreeMap::new();
    for (p, status, what, _) in &seen.answers {
        *tally.entry((*p, *what, *status)).or_insert(0) += 1;
    }
    println!("(phase, request, status) → answers: {tally:?}");
    for (p, status, what, body) in &seen.answers {
        match (*status, *what) {
            (200, _) => {}
            // A clean failure: 503, in Chinese, the API's as JSON; never internals.
            (503, "api") => {
                assert!(body.contains("\"error\":\"unavailable\""), "{body}");
                assert!(body.contains("系统繁忙或正在维护"), "{body}");
            }
            (503, _) => assert!(body.contains("系统繁忙或正在维护"), "{body}"),
            _ => panic!("phase {p}: {what} answered {status}: {body}"),
        }
        if *status != 200 {
            for internal in ["sqlx", "os error", "pool timed out", "connection"] {
                assert!(!body.contains(internal), "{internal} shown: {body}");
            }
        }
    }
    let failed_down = seen
        .answers
        .iter()
        .filter(|a| a.0 == 1 && a.1 == 503)
        .count();
    assert!(failed_down > 0, "the outage was never noticed");
    assert!(server.running(), "the server died: {}", server.stderr());
    let log = server.stderr();
    assert!(!log.contains("panicked"), "{log}");
    server.kill();

    // Every acknowledged application, including those from just before the cut, is there.
    let acked: Vec<Acked> = acked
        .lock()
        .unwrap()
        .iter()
        .map(|(_, a)| a.clone())
        .collect();
    let db = dep.db().await;
    check_acknowledged(&db, &dep.data, &dep.vault(), &acked).await;
    db.close().await;
    dep.audit_verifies();
}

// ---- a full disk during an upload ------------------------------------------------------------

/// A tmpfs mounted for the test, unmounted when dropped (also when the test fails).
struct Mount(PathBuf);

impl Mount {
    /// Mounts a tmpfs of `kib` KiB on `dir`; `None` when this process may not mount.
    fn tmpfs(dir: &Path, kib: u32) -> Option<Mount> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .ok()?;
        out.status.success().then(|| Mount(dir.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Every regular file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// POSTs a file to the console's attachment upload of item `id`, as the browser's form does.
fn upload(
    addr: &str,
    session: &str,
    csrf: &str,
    id: i64,
    name: &str,
    bytes: &[u8],
) -> (u16, String) {
    let boundary = "gongkai-upload-9c1e";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = format!(
        "POST /admin/items/{id}/files?csrf={csrf} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Cookie: gk_session={session}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(&body);
    let (status, _, body) = common::http_from(None, addr, &req).unwrap();
    (status, body)
}

async fn full_disk_during_upload(postgres: bool) {
    if !is_root() {
        assert!(
            !under_ci(),
            "the full-disk test needs root (mount) under CI=true"
        );
        eprintln!("!!! SKIPPING the full-disk test: mounting a tmpfs needs root");
        return;
    }
    let Some(dep) = Deployment::with_people(postgres).await else {
        return;
    };
    let files = dep.data.join("files");
    let Some(_mount) = Mount::tmpfs(&files, 64) else {
        assert!(!under_ci(), "could not mount a tmpfs under CI=true");
        eprintln!("!!! SKIPPING the full-disk test: mount -t tmpfs failed");
        return;
    };
    let drafter = dep.token("demo-drafter").await;
    let kfb = dep.org_id("ccdpf-kfb").await;
    let server = dep.serve(&[]);
    let addr = server.addr.clone();

    // A draft through the API, then the console as its drafter.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let input = serde_json::json!({
        "org_id": kfb, "title": "关于康复服务的通知", "summary": "康复服务",
        "body_html": "<p>正文。</p>", "keywords": "康复", "formed_on": today.to_string(),
        "doc_number": "", "topic_code": "general-disclosure", "genre_code": "notice",
        "catalog_code": "art20-01", "disclosure": "proactive",
    });
    let (status, v) = api(&addr, &drafter, "POST", "/api/v1/items", Some(&input));
    assert_eq!(status, 201, "{v}");
    let id = v["item"]["id"].as_i64().unwrap();
    let session = login_as(&addr, "demo-drafter").expect("drafter login");
    let (status, page) = get(&addr, &format!("/admin/items/{id}"), Some(&session));
    assert_eq!(status, 200);
    let csrf = hidden_csrf(&page).unwrap();

    // 256 KiB of text into 64 KiB of space.
    let big = "残疾人康复服务公开信息。\n".repeat(256 * 1024 / 37 + 1);
    let (status, page) = upload(&addr, &session, &csrf, id, "big.txt", big.as_bytes());
    assert_eq!(status, 507, "{page}");
    assert!(page.contains("服务器存储空间不足"), "{page}");
    for internal in ["os error", "No space", "sqlx"] {
        assert!(!page.contains(internal), "{internal} shown: {page}");
    }
    let leftovers = files_under(&files);
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
    let db = dep.db().await;
    let owner = gongkai_store::attachments::Owner {
        owner_type: "item",
        owner_id: id,
    };
    let rows = gongkai_store::attachments::list_for(&db, owner)
        .await
        .unwrap();
    assert!(
        rows.is_empty(),
        "an attachment row without its file: {rows:?}"
    );

    // The server keeps working: a file that fits is stored, the item page shows it.
    let (status, page) = upload(
        &addr,
        &session,
        &csrf,
        id,
        "small.txt",
        "康复服务须知。".as_bytes(),
    );
    assert_eq!(status, 303, "{page}");
    let rows = gongkai_store::attachments::list_for(&db, owner)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(files_under(&files).len(), 1);
    db.close().await;
    let (status, page) = get(&addr, &format!("/admin/items/{id}"), Some(&session));
    assert_eq!(status, 200);
    assert!(page.contains("small.txt"), "{page}");
}

/// True when this process runs as root (`id -u` is 0).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[tokio::test(flavor = "multi_thread")]
async fn full_disk_during_upload_sqlite() {
    full_disk_during_upload(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn full_disk_during_upload_postgres() {
    full_disk_during_upload(true).await;
}
