//! Write and scale benchmarks (issue #11); `bench/writes.sh` and `bench/scale.sh` run them.
//!
//! `bench-load writes --database-url URL [--seconds S] [--clients C]`
//!   Submits online applications as the portal does — the form parsed and validated
//!   (`appform::ApplicationForm::parse`), then `applications::create` (validation again, sealed
//!   personal data, blind index, tracking number, deadline clocks, the audit record, the search
//!   outbox row) and one durable commit each — from C concurrent clients for S seconds. Then, on
//!   the same database, for the same time and clients, the baseline: a loop of transactions that
//!   each insert one row and commit. Prints both rates.
//!
//! `bench-load generate --database-url URL --key-file PATH --items N --applications M`
//!   Grows a deployment made by `gongkai serve --demo` to scale: N published items written in
//!   bulk (spread over 2010–2025 and every organisation, with titles and bodies from
//!   `gongkai_search::corpus`, each with its published revision and a unique 索引号), and M
//!   applications registered, decided, replied to and archived through the store functions (so
//!   the annual report counts them), spread over 2016–2025.

use anyhow::{Context, bail};
use chrono::{Datelike, Days, NaiveDate};
use gongkai_core::applications::Outcome;
use gongkai_core::items::VocabKind;
use gongkai_core::vault::{Algorithm, Vault};
use gongkai_search::corpus::{self, Rng};
use gongkai_store::applications::workflow::{self, Decision};
use gongkai_store::applications::{self, NewApplication, NewItem};
use gongkai_store::audit::Actor;
use gongkai_store::{Db, DbOptions, Tx, on_tx};
use gongkai_web::appform::ApplicationForm;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Args {
    command: String,
    database_url: String,
    key_file: Option<String>,
    seconds: u64,
    clients: usize,
    items: u64,
    applications: u64,
}

fn args() -> anyhow::Result<Args> {
    let mut it = std::env::args().skip(1);
    let command = it.next().unwrap_or_default();
    let mut a = Args {
        command,
        database_url: String::new(),
        key_file: None,
        seconds: 10,
        clients: 8,
        items: 1_000_000,
        applications: 100_000,
    };
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--database-url" => a.database_url = v,
            "--key-file" => a.key_file = Some(v),
            "--seconds" => a.seconds = v.parse().context("--seconds")?,
            "--clients" => a.clients = v.parse().context("--clients")?,
            "--items" => a.items = v.parse().context("--items")?,
            "--applications" => a.applications = v.parse().context("--applications")?,
            _ => bail!("unknown option {k}"),
        }
    }
    if a.database_url.is_empty() {
        bail!("--database-url is required");
    }
    Ok(a)
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        match a.command.as_str() {
            "writes" => writes(&a).await,
            "generate" => generate(&a).await,
            _ => bail!("usage: bench-load writes|generate --database-url URL [options]"),
        }
    })
}

/// A valid 18-digit resident identity number, different for each `i`.
fn resident_id(i: u64) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(i % 20_000)))
        .unwrap_or_default();
    let first17 = format!("220102{}{:03}", birth.format("%Y%m%d"), i % 1000);
    let check = gongkai_core::ids::resident::check_char(first17.as_bytes())
        .map(char::from)
        .unwrap_or('0');
    format!("{first17}{check}")
}

/// The portal's form, filled in as a person would.
fn form(i: u64) -> ApplicationForm {
    ApplicationForm {
        applicant_type: "natural_person".into(),
        applicant_name: "王小明".into(),
        id_kind: "resident_id".into(),
        id_number: resident_id(i),
        phone: format!("139{:08}", i % 100_000_000),
        email: format!("applicant{i}@example.cn"),
        address: "吉林省长春市朝阳区人民大街 100 号".into(),
        postcode: "130000".into(),
        item1_desc: format!("2019 年残疾人两项补贴发放情况（第 {i} 号申请）"),
        item1_doc: "长残联发〔2019〕12号".into(),
        info_form: "electronic".into(),
        delivery: "online".into(),
        ..Default::default()
    }
}

async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(
        url,
        &DbOptions {
            create: true,
            max_connections: Some(16),
            ..Default::default()
        },
    )
    .await?;
    db.migrate().await?;
    Ok(db)
}

/// The first top-level organisation, made if the database has none.
async fn body_org(db: &Db) -> anyhow::Result<i64> {
    if let Some(o) = gongkai_store::orgs::root(db).await? {
        return Ok(o.id);
    }
    let mut tx = db.begin().await?;
    let o = gongkai_store::orgs::create(
        &mut tx,
        &Actor::system(),
        &gongkai_store::orgs::OrgInput {
            kind: "body".into(),
            code: "bench".into(),
            full_name: "长春市残疾人联合会".into(),
            short_name: "长春市残联".into(),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(o.id)
}

/// Runs `op(i)` from `clients` tasks for `seconds`; returns (completed, elapsed).
async fn for_a_while<F, Fut>(clients: usize, seconds: u64, op: F) -> anyhow::Result<(u64, Duration)>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (op, next, done, stop) = (op.clone(), next.clone(), done.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    op(i).await?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, anyhow::Error>(())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await??;
    }
    Ok((done.load(Ordering::Relaxed), started.elapsed()))
}

async fn writes(a: &Args) -> anyhow::Result<()> {
    let db = open(&a.database_url).await?;
    gongkai_store::calendar::seed_official(&db).await?;
    let org = body_org(&db).await?;
    let vault = Arc::new(Vault::generate(Algorithm::Sm4Gcm, "bench"));
    let today = gongkai_store::deadlines::today();

    let (db2, vault2) = (db.clone(), vault.clone());
    let (apps, t_apps) = for_a_while(a.clients, a.seconds, move |i| {
        let (db, vault) = (db2.clone(), vault2.clone());
        async move {
            let (input, errors) = form(i).parse(org, Some("online"), today);
            if !errors.is_empty() {
                bail!("the generated form is invalid: {errors:?}");
            }
            let actor = Actor {
                user_id: None,
                label: "申请人（网上）".into(),
                ip: "127.0.0.1".into(),
            };
            let mut tx = db.begin().await?;
            applications::create(&mut tx, &actor, &vault, &input, today).await?;
            tx.commit().await?;
            Ok(())
        }
    })
    .await?;

    {
        let mut tx = db.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)"
        )
        .execute(c)
        .await?
        .rows_affected());
        tx.commit().await?;
    }
    let ids = Arc::new(AtomicI64::new(gongkai_store::now_ms() * 1000));
    let db3 = db.clone();
    let (raw, t_raw) = for_a_while(a.clients, a.seconds, move |i| {
        let (db, ids) = (db3.clone(), ids.clone());
        async move {
            let id = ids.fetch_add(1, Ordering::Relaxed);
            let payload = format!("{:?}", form(i).item1_desc);
            let mut tx = db.begin().await?;
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO bench_raw (id, payload) VALUES ($1, $2)"
            )
            .bind(id)
            .bind(&payload)
            .execute(c)
            .await?
            .rows_affected());
            tx.commit().await?;
            Ok(())
        }
    })
    .await?;
    let backend = if a.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let rate = |n: u64, t: Duration| n as f64 / t.as_secs_f64();
    println!(
        "{backend}: applications {:.0}/s ({apps} in {:.1} s, {} clients); raw insert-and-commit {:.0}/s ({raw} in {:.1} s); ratio {:.2}",
        rate(apps, t_apps),
        t_apps.as_secs_f64(),
        a.clients,
        rate(raw, t_raw),
        t_raw.as_secs_f64(),
        rate(apps, t_apps) / rate(raw, t_raw).max(f64::MIN_POSITIVE)
    );
    db.close().await;
    Ok(())
}

/// A bind value of a bulk insert.
enum V {
    I(i64),
    S(String),
    B(bool),
}

/// `INSERT INTO table (cols) VALUES (...), (...)` with every value bound.
async fn insert_rows(
    tx: &mut Tx,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<V>>,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut n = 0;
    for (r, row) in rows.iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..row.len() {
            n += 1;
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    on_tx!(tx, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for v in rows.iter().flatten() {
            q = match v {
                V::I(i) => q.bind(*i),
                V::S(s) => q.bind(s.clone()),
                V::B(b) => q.bind(*b),
            };
        }
        q.execute(c).await?.rows_affected()
    });
    Ok(())
}

async fn max_id(db: &Db, table: &str) -> anyhow::Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
    Ok(gongkai_store::on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .fetch_one(p)
    .await?))
}

fn progress(what: &str, done: u64, total: u64, started: Instant) {
    let s = started.elapsed().as_secs_f64();
    eprint!(
        "\r{what}: {done}/{total} ({:.0}/s)          ",
        done as f64 / s.max(0.001)
    );
}

async fn generate(a: &Args) -> anyhow::Result<()> {
    let db = open(&a.database_url).await?;
    let key_file = a.key_file.as_deref().context("--key-file is required")?;
    let vault = Vault::from_toml(&std::fs::read_to_string(key_file)?)
        .map_err(|e| anyhow::anyhow!("{key_file}: {e}"))?;
    let orgs = gongkai_store::orgs::list(&db).await?;
    if orgs.is_empty() {
        bail!("the database has no organisations: run `gongkai serve --demo` on it first");
    }
    let vocab = |kind| gongkai_store::items::registers::vocab_list(&db, kind, true);
    let codes = |v: Vec<gongkai_store::items::registers::VocabEntry>| {
        v.into_iter().map(|e| e.code).collect::<Vec<_>>()
    };
    let catalog = codes(vocab(VocabKind::Catalog).await?);
    let topics = codes(vocab(VocabKind::Topic).await?);
    let genres = codes(vocab(VocabKind::Genre).await?);
    if catalog.is_empty() {
        bail!("no 公开目录 categories: run `gongkai serve --demo` on the database first");
    }

    // ---- items ------------------------------------------------------------------------------
    let started = Instant::now();
    let mut item_id = max_id(&db, "items").await?;
    let mut rev_id = max_id(&db, "item_revisions").await?;
    let mut r = Rng::new(2019);
    const BATCH: u64 = 500;
    const PER_TX: u64 = 10;
    let mut made = 0u64;
    while made < a.items {
        let mut tx = db.begin().await?;
        for _ in 0..PER_TX {
            let n = BATCH.min(a.items - made);
            if n == 0 {
                break;
            }
            let mut items = Vec::with_capacity(n as usize);
            let mut revs = Vec::with_capacity(n as usize);
            for _ in 0..n {
                item_id += 1;
                rev_id += 1;
                let org = &orgs[r.below(orgs.len())];
                let year = 2010 + (made % 16) as i32;
                let day = NaiveDate::from_ymd_opt(year, 1, 1)
                    .and_then(|d| d.checked_add_days(Days::new(r.below(365) as u64)))
                    .unwrap_or_default();
                let at = day
                    .and_hms_opt(1 + r.below(9) as u32, r.below(60) as u32, 0)
                    .map(|t| t.and_utc().timestamp_millis())
                    .unwrap_or_default();
                let title = corpus::title(&mut r);
                let len = 600 + r.below(1400);
                let body = corpus::body(&mut r, len);
                let date = day.format("%Y-%m-%d").to_string();
                items.push(vec![
                    V::I(item_id),
                    V::I(org.id),
                    V::S("published".into()),
                    V::S(format!("{}-{}-{:07}", org.code, day.year(), item_id)),
                    V::S(date.clone()),
                    V::S(org.full_name.clone()),
                    V::S(format!("长残联发〔{year}〕{}号", 1 + r.below(200))),
                    V::S(
                        topics
                            .get(r.below(topics.len().max(1)))
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    V::S(
                        genres
                            .get(r.below(genres.len().max(1)))
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    V::S(catalog[r.below(catalog.len())].clone()),
                    V::S("proactive".into()),
                    V::B(false),
                    V::S("valid".into()),
                    V::I(rev_id),
                    V::I(rev_id),
                    V::I(at),
                    V::S(date),
                    V::S("bench".into()),
                    V::I(at),
                    V::I(at),
                ]);
                revs.push(vec![
                    V::I(rev_id),
                    V::I(item_id),
                    V::I(1),
                    V::S(title.clone()),
                    V::S(title.chars().take(40).collect()),
                    V::S(format!("<p>{body}</p>")),
                    V::S(String::new()),
                    V::S("bench".into()),
                    V::I(at),
                    V::I(at),
                ]);
                made += 1;
            }
            insert_rows(
                &mut tx,
                "items",
                &[
                    "id",
                    "org_id",
                    "state",
                    "index_no",
                    "formed_on",
                    "publisher_name",
                    "doc_number",
                    "topic_code",
                    "genre_code",
                    "catalog_code",
                    "disclosure",
                    "classified",
                    "validity",
                    "current_revision_id",
                    "published_revision_id",
                    "published_at",
                    "published_on",
                    "created_by",
                    "created_at",
                    "updated_at",
                ],
                items,
            )
            .await?;
            insert_rows(
                &mut tx,
                "item_revisions",
                &[
                    "id",
                    "item_id",
                    "number",
                    "title",
                    "summary",
                    "body_html",
                    "keywords",
                    "created_by",
                    "created_at",
                    "published_at",
                ],
                revs,
            )
            .await?;
        }
        tx.commit().await?;
        progress("items", made, a.items, started);
    }
    eprintln!();
    if a.database_url.starts_with("postgres") {
        // Rows were written with explicit ids: move the identity sequences past them.
        for table in ["items", "item_revisions"] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            );
            gongkai_store::on_db!(&db, |p| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(p)
                .await?
                .rows_affected());
        }
    }
    let items_s = started.elapsed().as_secs_f64();

    // ---- applications -----------------------------------------------------------------------
    let started = Instant::now();
    let office = Actor::system();
    let today = gongkai_store::deadlines::today();
    let bodies: Vec<i64> = orgs
        .iter()
        .filter(|o| o.parent_id.is_none() || o.kind == "body")
        .map(|o| o.id)
        .collect();
    let mut made = 0u64;
    while made < a.applications {
        let mut tx = db.begin().await?;
        for _ in 0..100 {
            if made >= a.applications {
                break;
            }
            let year = 2016 + (made % 10) as i32;
            let arrived = NaiveDate::from_ymd_opt(year, 1, 4)
                .and_then(|d| d.checked_add_days(Days::new(r.below(330) as u64)))
                .unwrap_or_default();
            let n = NewApplication {
                org_id: bodies[r.below(bodies.len())],
                channel: "in_person".into(),
                applicant_type: "natural_person".into(),
                applicant_name: "王小明".into(),
                id_kind: "resident_id".into(),
                id_number: resident_id(made),
                phone: format!("139{:08}", made),
                address: "吉林省长春市朝阳区人民大街 100 号".into(),
                info_form: "electronic".into(),
                delivery: "post".into(),
                items: vec![NewItem {
                    description: corpus::title(&mut r),
                    ..Default::default()
                }],
                arrived_on: Some(arrived),
                ..Default::default()
            };
            let created = applications::create(&mut tx, &office, &vault, &n, today).await?;
            let outcome = [
                Outcome::Granted,
                Outcome::PartiallyGranted,
                Outcome::UnableNotHeld,
            ][r.below(3)];
            let decided = arrived
                .checked_add_days(Days::new(5 + r.below(10) as u64))
                .unwrap_or(arrived);
            for item in &created.items {
                workflow::decide_item(
                    &mut tx,
                    &office,
                    item.id,
                    &Decision {
                        outcome,
                        basis: None,
                        withheld_what: if outcome == Outcome::PartiallyGranted {
                            "个人身份证号码".into()
                        } else {
                            String::new()
                        },
                        withheld_why: if outcome.withholds() {
                            "涉及个人隐私，依法不予公开".into()
                        } else {
                            String::new()
                        },
                        published_item_id: None,
                        note: String::new(),
                        decided_on: decided,
                    },
                    today,
                )
                .await?;
            }
            let sent = decided.checked_add_days(Days::new(1)).unwrap_or(decided);
            workflow::record_reply(
                &mut tx,
                &office,
                created.application.id,
                "post",
                sent,
                today,
            )
            .await?;
            workflow::archive(&mut tx, &office, created.application.id, sent, today).await?;
            made += 1;
        }
        tx.commit().await?;
        progress("applications", made, a.applications, started);
    }
    eprintln!();
    println!(
        "generated {} items in {items_s:.1} s and {} applications in {:.1} s",
        a.items,
        a.applications,
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}
