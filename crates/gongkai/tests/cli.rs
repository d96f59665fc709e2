//! The operator commands, run as the built binary against a temporary data directory
//! (issue #2): migrate, user add, config, backup/restore, db-copy, audit verify and the guards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use gongkai_store::audit::Actor;
use gongkai_store::orgs::{self, OrgInput};
use gongkai_store::testing::TestDb;
use gongkai_store::{Db, DbOptions, on_db, users};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `gongkai --data <dir> ARGS` with `stdin` piped in and no inherited GONGKAI_* settings.
fn gk(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .current_dir(dir)
        .env_remove("GONGKAI_DATA")
        .env_remove("GONGKAI_DATABASE_URL")
        .env_remove("GONGKAI_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading its input (e.g. a refused database): ignore EPIPE.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let run = Run {
        code: status.code().unwrap(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {}",
        run.stderr
    );
    run
}

fn ok(run: Run) -> Run {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run
}

fn fails(run: Run, code: i32, needle: &str) -> Run {
    assert_eq!(
        run.code, code,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    // The message is the error line (a loaded machine may log a slow-statement warning first).
    assert!(
        run.stderr.lines().any(|l| l.starts_with("错误：")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(needle),
        "want {needle:?} in {}",
        run.stderr
    );
    run
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join("gongkai.db")
}

async fn open(dir: &Path) -> Db {
    Db::connect(db_path(dir).to_str().unwrap(), &DbOptions::default())
        .await
        .unwrap()
}

/// Creates the organisations `root` and `county` (there is no CLI for that yet).
async fn seed_orgs(dir: &Path) {
    let db = open(dir).await;
    let mut tx = db.begin().await.unwrap();
    let root = orgs::create(
        &mut tx,
        &Actor::system(),
        &OrgInput {
            kind: "body".into(),
            code: "root".into(),
            full_name: "某某县人民政府".into(),
            short_name: "县政府".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    orgs::create(
        &mut tx,
        &Actor::system(),
        &OrgInput {
            parent_id: Some(root.id),
            kind: "county".into(),
            code: "county".into(),
            full_name: "某某县教育局".into(),
            short_name: "教育局".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
}

/// Migrates `dir`, adds the body `town` (某镇人民政府) and writes `csv` to `dir/old.csv`, its path.
fn town_with_csv(dir: &Path, csv: &str) -> PathBuf {
    ok(gk(dir, &["migrate"], ""));
    ok(gk(
        dir,
        &[
            "org",
            "add",
            "--code",
            "town",
            "--kind",
            "body",
            "--name",
            "某镇人民政府",
        ],
        "",
    ));
    let path = dir.join("old.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

async fn migrated_with_orgs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(gk(dir.path(), &["migrate"], ""));
    seed_orgs(dir.path()).await;
    dir
}

fn add_user(dir: &Path, username: &str) -> Run {
    gk(
        dir,
        &[
            "user",
            "add",
            "--username",
            username,
            "--org",
            "county",
            "--role",
            "drafter",
            "--role",
            "auditor@root",
            "--display-name",
            "张三",
        ],
        "long-enough-1\n",
    )
}

#[test]
fn help_is_in_english_for_every_operator_command() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        &["migrate", "--help"][..],
        &["user", "add", "--help"],
        &["backup", "--help"],
        &["restore", "--help"],
        &["db-copy", "--help"],
        &["config", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let run = ok(gk(dir.path(), cmd, ""));
        assert!(run.stdout.contains("Usage: gongkai"), "{}", run.stdout);
        assert!(run.stdout.contains("--data <DIR>"), "{}", run.stdout);
    }
}

#[test]
fn a_missing_database_is_refused_not_created() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["audit", "verify"][..],
        &["backup", "b.db"],
        &[
            "user",
            "add",
            "--username",
            "abc",
            "--org",
            "x",
            "--role",
            "drafter",
        ],
    ] {
        fails(gk(dir.path(), args, "pw\n"), 2, "不存在");
    }
    assert!(!db_path(dir.path()).exists());
    // `migrate` is the command that creates it.
    let run = ok(gk(dir.path(), &["migrate"], ""));
    assert!(run.stdout.contains("结构版本 0 → "), "{}", run.stdout);
    assert!(db_path(dir.path()).exists());
    let run = ok(gk(dir.path(), &["migrate"], ""));
    assert!(run.stdout.contains("已是最新"), "{}", run.stdout);
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_is_audited() {
    let dir = migrated_with_orgs().await;
    let run = ok(add_user(dir.path(), "zhang.san"));
    assert!(
        run.stdout.contains("已创建用户 zhang.san"),
        "{}",
        run.stdout
    );

    let db = open(dir.path()).await;
    let user = users::by_username(&db, "zhang.san").await.unwrap().unwrap();
    assert!(gongkai_store::password::verify(
        "long-enough-1",
        &user.password_hash
    ));
    assert_eq!(user.display_name, "张三");
    let county = orgs::by_code(&db, "county").await.unwrap().unwrap();
    let root = orgs::by_code(&db, "root").await.unwrap().unwrap();
    assert_eq!(user.org_id, county.id);
    let grants = users::grants(&db, user.id).await.unwrap();
    let mut got: Vec<(&str, i64)> = grants.iter().map(|g| (g.role.code(), g.scope)).collect();
    got.sort();
    assert_eq!(got, vec![("auditor", root.id), ("drafter", county.id)]);
    let records = gongkai_store::audit::list(
        &db,
        &gongkai_store::audit::Filter {
            action: Some("user.create".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].actor.starts_with("cli:"), "{}", records[0].actor);
    assert!(
        !records[0]
            .after_json
            .as_deref()
            .unwrap()
            .contains("long-enough-1")
    );
    db.close().await;

    // Refusals, each with a Chinese message and exit code 2.
    fails(add_user(dir.path(), "zhang.san"), 2, "已存在");
    let weak = gk(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "li.si",
            "--org",
            "county",
            "--role",
            "drafter",
        ],
        "short\n",
    );
    fails(weak, 2, "口令至少需要 10 个字符");
    let bad_org = gk(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "li.si",
            "--org",
            "nowhere",
            "--role",
            "drafter",
        ],
        "long-enough-1\n",
    );
    fails(bad_org, 2, "机构代码“nowhere”不存在");
    let bad_role = gk(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "li.si",
            "--org",
            "county",
            "--role",
            "boss",
        ],
        "long-enough-1\n",
    );
    let run = fails(bad_role, 2, "未知的角色“boss”");
    assert!(
        run.stderr.contains("disclosure_office（政务公开办公室）"),
        "{}",
        run.stderr
    );
    let no_password = gk(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "li.si",
            "--org",
            "county",
            "--role",
            "drafter",
        ],
        "",
    );
    fails(no_password, 2, "没有从标准输入读到口令");
    ok(gk(dir.path(), &["audit", "verify"], ""));
}

#[tokio::test]
async fn audit_verify_names_the_first_edited_record() {
    let dir = migrated_with_orgs().await;
    ok(add_user(dir.path(), "zhang.san"));
    let run = ok(gk(dir.path(), &["audit", "verify"], ""));
    assert!(run.stdout.contains("共 3 条记录"), "{}", run.stdout);

    // Tamper by hand: the trigger must be dropped first (append-only), then edit record 2.
    let db = open(dir.path()).await;
    on_db!(&db, |p| {
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(p)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
            .execute(p)
            .await
            .unwrap()
            .rows_affected()
    });
    db.close().await;
    let run = fails(gk(dir.path(), &["audit", "verify"], ""), 1, "第 2 条记录");
    assert!(run.stderr.contains("被修改"), "{}", run.stderr);
}

#[tokio::test]
async fn backup_and_restore_on_sqlite() {
    let dir = migrated_with_orgs().await;
    ok(add_user(dir.path(), "zhang.san"));
    let run = ok(gk(dir.path(), &["backup", "before.db"], ""));
    assert!(run.stdout.contains("SQLite 数据库文件"), "{}", run.stdout);
    assert!(dir.path().join("before.db").exists());
    fails(gk(dir.path(), &["backup", "before.db"], ""), 2, "已存在");

    ok(add_user(dir.path(), "li.si"));

    // Refused while another process holds the database (as `serve` would).
    let holder = open(dir.path()).await;
    gongkai_store::audit::verify(&holder).await.unwrap();
    fails(
        gk(dir.path(), &["restore", "before.db"], ""),
        2,
        "正被其他进程使用",
    );
    holder.close().await;

    let run = ok(gk(dir.path(), &["restore", "before.db"], ""));
    assert!(run.stdout.contains("原数据库已保留为"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("审计日志校验通过：共 3 条记录，链条完整（SM3 3 条）"),
        "{}",
        run.stdout
    );
    let db = open(dir.path()).await;
    assert!(
        users::by_username(&db, "zhang.san")
            .await
            .unwrap()
            .is_some()
    );
    assert!(users::by_username(&db, "li.si").await.unwrap().is_none());
    db.close().await;
    ok(gk(dir.path(), &["audit", "verify"], ""));
    // The restored deployment keeps working.
    ok(add_user(dir.path(), "li.si"));
    ok(gk(dir.path(), &["audit", "verify"], ""));

    // Not a backup at all.
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    fails(gk(dir.path(), &["restore", "notes.txt"], ""), 2, "不是");
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = migrated_with_orgs().await;
    let db = open(dir.path()).await;
    on_db!(&db, |p| sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, X'00', 0)"
    )
    .execute(p)
    .await
    .unwrap()
    .rows_affected());
    db.close().await;
    for args in [
        &["audit", "verify"][..],
        &["migrate"],
        &["backup", "b.db"],
        &[
            "user",
            "add",
            "--username",
            "abc",
            "--org",
            "county",
            "--role",
            "drafter",
        ],
    ] {
        fails(
            gk(dir.path(), args, "long-enough-1\n"),
            2,
            "比本程序支持的版本（",
        );
    }
    assert!(!dir.path().join("b.db").exists());
}

#[test]
fn config_is_printed_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let run = ok(gk(
        dir.path(),
        &[
            "--database-url",
            "postgres://gk:hunter2@db.internal/gongkai",
            "config",
        ],
        "",
    ));
    assert!(!run.stdout.contains("hunter2"), "{}", run.stdout);
    assert!(
        run.stdout.contains("postgres://gk:***@db.internal/gongkai"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("未使用配置文件"), "{}", run.stdout);

    // The data directory's gongkai.toml is picked up.
    std::fs::write(
        dir.path().join("gongkai.toml"),
        "public_url = \"https://gk.example.gov.cn\"\n[calendar]\ncount_start_day = true\n",
    )
    .unwrap();
    let run = ok(gk(dir.path(), &["config"], ""));
    assert!(run.stdout.contains("gongkai.toml"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("public_url = \"https://gk.example.gov.cn\"")
    );
    assert!(run.stdout.contains("count_start_day = true"));
    let default_db = format!("sqlite://{}", db_path(dir.path()).display());
    assert!(run.stdout.contains(&default_db), "{}", run.stdout);

    // A typo in the file is an error, not a silent default.
    std::fs::write(dir.path().join("gongkai.toml"), "bnid = \"0.0.0.0:80\"\n").unwrap();
    fails(gk(dir.path(), &["config"], ""), 2, "配置文件");

    let run = ok(gk(dir.path(), &["config", "--default"], ""));
    assert!(run.stdout.contains("count_start_day = false"));
}

#[tokio::test]
async fn db_copy_backup_and_restore_with_postgres() {
    let Some(target) = TestDb::postgres().await else {
        return;
    };
    let Some(restore_target) = TestDb::postgres_empty().await else {
        return;
    };
    target.db.close().await;
    restore_target.db.close().await;
    let dir = migrated_with_orgs().await;
    ok(add_user(dir.path(), "zhang.san"));

    // Same database: refused.
    let self_url = format!("sqlite://{}", db_path(dir.path()).display());
    fails(
        gk(dir.path(), &["db-copy", "--to", &self_url], ""),
        2,
        "同一个",
    );

    let run = ok(gk(dir.path(), &["db-copy", "--to", &target.url], ""));
    assert!(run.stdout.contains("各表行数一致"), "{}", run.stdout);
    assert!(
        run.stdout.contains("审计日志校验通过：共 3 条记录"),
        "{}",
        run.stdout
    );
    let orgs_line = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("orgs"))
        .unwrap();
    assert_eq!(
        orgs_line.split_whitespace().collect::<Vec<_>>(),
        ["orgs", "2", "2"]
    );
    // A second copy into the now non-empty target is refused.
    fails(
        gk(dir.path(), &["db-copy", "--to", &target.url], ""),
        2,
        "不是空的",
    );

    // On PostgreSQL, `backup` writes a logical dump, and `restore` loads it into an empty
    // database (migrating it first).
    let pg = ["--database-url", target.url.as_str()];
    ok(gk(
        dir.path(),
        &[&pg[..], &["audit", "verify"]].concat(),
        "",
    ));
    let run = ok(gk(
        dir.path(),
        &[&pg[..], &["backup", "pg.jsonl"]].concat(),
        "",
    ));
    assert!(run.stdout.contains("逻辑备份"), "{}", run.stdout);
    let first = std::fs::read_to_string(dir.path().join("pg.jsonl")).unwrap();
    assert!(first.starts_with("{\"format\":\"gongkai-logical-dump\""));
    let pg2 = ["--database-url", restore_target.url.as_str()];
    let run = ok(gk(
        dir.path(),
        &[&pg2[..], &["restore", "pg.jsonl"]].concat(),
        "",
    ));
    assert!(
        run.stdout.contains("审计日志校验通过：共 3 条记录"),
        "{}",
        run.stdout
    );
    let run = gk(
        dir.path(),
        &[
            &pg2[..],
            &[
                "user",
                "add",
                "--username",
                "li.si",
                "--org",
                "county",
                "--role",
                "drafter",
            ],
        ]
        .concat(),
        "long-enough-1\n",
    );
    ok(run);
    ok(gk(
        dir.path(),
        &[&pg2[..], &["audit", "verify"]].concat(),
        "",
    ));
    // A SQLite file cannot be restored onto PostgreSQL.
    ok(gk(dir.path(), &["backup", "lite.db"], ""));
    fails(
        gk(
            dir.path(),
            &[&pg2[..], &["restore", "lite.db"]].concat(),
            "",
        ),
        2,
        "db-copy",
    );
}

/// A fresh deployment without demo data gets its body and first administrator from the CLI.
#[test]
fn a_fresh_deployment_is_bootstrapped_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    ok(gk(dir.path(), &["migrate"], ""));
    let run = ok(gk(
        dir.path(),
        &[
            "org",
            "add",
            "--code",
            "ccdpf",
            "--kind",
            "body",
            "--name",
            "长春市残疾人联合会",
        ],
        "",
    ));
    assert!(
        run.stdout.contains("已添加机构 长春市残疾人联合会"),
        "{}",
        run.stdout
    );
    ok(gk(
        dir.path(),
        &[
            "org",
            "add",
            "--code",
            "ccdpf-nanguan",
            "--kind",
            "county",
            "--name",
            "南关区残疾人联合会",
            "--parent",
            "ccdpf",
        ],
        "",
    ));
    fails(
        gk(
            dir.path(),
            &[
                "org", "add", "--code", "x", "--kind", "planet", "--name", "某",
            ],
            "",
        ),
        2,
        "未知的机构类型",
    );
    fails(
        gk(
            dir.path(),
            &[
                "org", "add", "--code", "y", "--kind", "county", "--name", "某", "--parent", "nope",
            ],
            "",
        ),
        2,
        "上级机构代码“nope”不存在",
    );
    fails(
        gk(
            dir.path(),
            &[
                "org", "add", "--code", "ccdpf", "--kind", "body", "--name", "重复",
            ],
            "",
        ),
        2,
        "已被使用",
    );
    let list = ok(gk(dir.path(), &["org", "list"], ""));
    assert_eq!(
        list.stdout,
        "ccdpf\tbody\t-\t长春市残疾人联合会\nccdpf-nanguan\tcounty\tccdpf\t南关区残疾人联合会\n"
    );
    ok(gk(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "admin",
            "--org",
            "ccdpf",
            "--role",
            "administrator",
        ],
        "first-admin-pass-1\n",
    ));
    let verify = ok(gk(dir.path(), &["audit", "verify"], ""));
    assert!(
        verify.stdout.contains('3') || verify.stdout.contains("完整"),
        "{}",
        verify.stdout
    );
}

/// `import` (dry run, real run with a progress bar, exit 1 when rows were left out), the import
/// log, `export` and the import of the export folder into a new deployment (issue #14).
#[test]
fn import_dry_run_log_export_and_round_trip() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let csv = town_with_csv(
        a.path(),
        "索引号,标题,发布机构,发布日期,公开目录,正文\n\
         T-1,通知一,某镇人民政府,2019-01-02,art20-07,正文\n\
         T-2,通知二,某镇人民政府,2019-13-02,art20-07,正文\n",
    );
    let csv = csv.to_str().unwrap();
    let dry = gk(a.path(), &["import", "--org", "town", "--dry-run", csv], "");
    assert_eq!(dry.code, 1, "{}", dry.stderr);
    assert!(
        dry.stdout
            .contains("第3行「发布日期」：“2019-13-02”不是有效日期")
    );
    assert!(dry.stdout.contains("未写入任何数据"));
    let real = gk(a.path(), &["import", "--org", "town", csv], "");
    assert_eq!(real.code, 1, "{}", real.stderr);
    assert!(
        real.stdout.contains("导入批次 #1：共 2 行，导入 1 行"),
        "{}",
        real.stdout
    );
    assert!(
        real.stderr.contains("条/秒"),
        "progress bar: {}",
        real.stderr
    );
    // The row left out is still reported; the imported one is not imported twice.
    let again = gk(a.path(), &["import", "--org", "town", "--dry-run", csv], "");
    assert!(again.stdout.contains("已导入过 1 行"), "{}", again.stdout);
    let log = ok(gk(a.path(), &["import-log", "1"], ""));
    assert!(
        log.stdout.starts_with("T-1\t第2行\t/items/"),
        "{}",
        log.stdout
    );

    // The body is a site of the platform: its presentation travels with the export.
    ok(gk(
        a.path(),
        &[
            "site",
            "add",
            "--code",
            "town",
            "--org",
            "town",
            "--host",
            "www.town.example",
            "--icp",
            "吉ICP备05001234号-1",
        ],
        "",
    ));
    let out = a.path().join("export");
    let out = out.to_str().unwrap();
    let exported = ok(gk(
        a.path(),
        &["export", "--org", "town", "--quiet", out],
        "",
    ));
    assert!(exported.stdout.contains("信息 1 条"), "{}", exported.stdout);
    ok(gk(
        a.path(),
        &["audit", "verify-export", &format!("{out}/audit-log.jsonl")],
        "",
    ));
    ok(gk(b.path(), &["migrate"], ""));
    let imported = ok(gk(
        b.path(),
        &["import", "--org", "town", "--quiet", out],
        "",
    ));
    assert!(
        imported.stdout.contains("导入 1 行") && imported.stdout.contains("新建机构 1 个"),
        "{}",
        imported.stdout
    );
    assert!(
        imported.stdout.contains("已恢复站点“town”"),
        "{}",
        imported.stdout
    );
    assert_eq!(
        ok(gk(b.path(), &["site", "list"], "")).stdout,
        ok(gk(a.path(), &["site", "list"], "")).stdout
    );
    ok(gk(b.path(), &["audit", "verify"], ""));
    // Into a deployment where the code is taken, the site is reported and left alone.
    let c = tempfile::tempdir().unwrap();
    ok(gk(c.path(), &["migrate"], ""));
    ok(gk(
        c.path(),
        &[
            "org", "add", "--code", "city", "--kind", "body", "--name", "某市",
        ],
        "",
    ));
    ok(gk(
        c.path(),
        &["site", "add", "--code", "town", "--org", "city"],
        "",
    ));
    let dry = gk(c.path(), &["import", "--org", "town", "--dry-run", out], "");
    assert!(
        dry.stdout
            .contains("站点设置（town）不恢复：站点代码“town”已被使用"),
        "{}",
        dry.stdout
    );
}

/// `gongkai site add` puts a second body on the platform (issue #14): validated and audited like
/// the console, listed by `site list`.
#[test]
fn a_site_is_added_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    ok(gk(dir.path(), &["migrate"], ""));
    for args in [
        &[
            "org",
            "add",
            "--code",
            "ccdpf",
            "--kind",
            "body",
            "--name",
            "长春市残疾人联合会",
        ][..],
        &[
            "org",
            "add",
            "--code",
            "gzl",
            "--kind",
            "body",
            "--name",
            "公主岭市残疾人联合会",
        ],
        &[
            "org",
            "add",
            "--code",
            "gzl-bgs",
            "--kind",
            "department",
            "--name",
            "办公室",
            "--parent",
            "gzl",
        ],
    ] {
        ok(gk(dir.path(), args, ""));
    }
    let added = ok(gk(
        dir.path(),
        &[
            "site",
            "add",
            "--code",
            "gongzhuling",
            "--org",
            "gzl",
            "--host",
            "WWW.GZL.example",
            "--icp",
            "吉ICP备05001234号-1",
        ],
        "",
    ));
    assert!(
        added.stdout.contains("已添加站点 公主岭市残疾人联合会"),
        "{}",
        added.stdout
    );
    fails(
        gk(
            dir.path(),
            &["site", "add", "--code", "office", "--org", "gzl-bgs"],
            "",
        ),
        2,
        "顶级机构",
    );
    fails(
        gk(
            dir.path(),
            &[
                "site",
                "add",
                "--code",
                "city",
                "--org",
                "ccdpf",
                "--host",
                "www.gzl.example",
            ],
            "",
        ),
        2,
        "已属于另一个站点",
    );
    fails(
        gk(
            dir.path(),
            &["site", "add", "--code", "x", "--org", "nope"],
            "",
        ),
        2,
        "机构代码“nope”不存在",
    );
    let list = ok(gk(dir.path(), &["site", "list"], ""));
    assert_eq!(
        list.stdout,
        "gongzhuling\tgzl\twww.gzl.example\t公主岭市残疾人联合会\n"
    );
}

/// `gongkai reindex` rebuilds the index from the database, waits for its merges, and says so.
#[test]
fn reindex_rebuilds_the_index_and_waits_for_its_merges() {
    let dir = tempfile::tempdir().unwrap();
    let csv = town_with_csv(
        dir.path(),
        "索引号,标题,发布机构,发布日期,公开目录,正文\n\
         T-1,关于残疾人两项补贴的通知,某镇人民政府,2019-01-02,art20-07,正文一\n\
         T-2,无障碍环境建设通知,某镇人民政府,2019-02-03,art20-07,正文二\n",
    );
    ok(gk(
        dir.path(),
        &["import", "--org", "town", csv.to_str().unwrap()],
        "",
    ));
    let run = ok(gk(dir.path(), &["reindex", "--quiet"], ""));
    assert!(
        run.stdout.contains("搜索索引已重建：2 篇"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("索引段已合并"), "{}", run.stdout);
    // The generation it wrote is the current one, under the schema's directory, and whole.
    let version = dir
        .path()
        .join("search")
        .join(format!("v{}", gongkai_search::SCHEMA_VERSION));
    let current = std::fs::read_to_string(version.join("CURRENT")).unwrap();
    let index = gongkai_search::SearchIndex::open_or_create(
        &version.join(current.trim()),
        gongkai_search::tokenize::segmenter(&[]),
        gongkai_search::WriterSetup::live(1),
    )
    .unwrap();
    assert_eq!(index.num_docs(), 2);
}
