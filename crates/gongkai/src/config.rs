//! Deployment configuration (issue #2, house-style §9): one typed [`Config`].
//!
//! Sources, later ones winning: built-in defaults, an optional TOML file, `GONGKAI_*`
//! environment variables, command-line flags ([`Overrides`]). The file is `--config FILE` /
//! `GONGKAI_CONFIG` (which must exist), else `<data>/gongkai.toml` when present. Unknown keys in
//! the file are refused, so a typo never silently falls back to a default.
//!
//! Secrets (the database password) are redacted by `Debug` and by `gongkai config`.

use anyhow::{Context, bail};
use gongkai_store::{logins, redact, sessions, users};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "./data";
/// The config file looked for in the data directory.
pub const CONFIG_FILE_NAME: &str = "gongkai.toml";

/// The documented default configuration, printed by `gongkai config --default`. A test checks
/// that it parses to exactly [`Config::default_for`] the default data directory.
pub const DEFAULT_TOML: &str = r#"# Gongkai configuration. Every key is optional; shown here with its default.
# Each key can also be set by an environment variable (shown in brackets), which wins over
# this file; command-line flags win over both.

# Data directory: the SQLite database, uploaded files, this file. Usually given by --data or
# GONGKAI_DATA, since this file is looked for in it. Default "./data". [GONGKAI_DATA]
# data_dir = "./data"

# Database. Default: SQLite in the data directory, "sqlite://<data_dir>/gongkai.db".
# PostgreSQL: "postgres://USER:PASSWORD@HOST:5432/DBNAME". [GONGKAI_DATABASE_URL]
# database_url = "postgres://gongkai:PASSWORD@127.0.0.1:5432/gongkai"

# Address and port the web server listens on. [GONGKAI_BIND]
bind = "127.0.0.1:8080"

# The public address of the site, e.g. "https://gk.example.gov.cn". When it is https, session
# cookies are marked Secure; form posts must come from this origin. Unset: local use only.
# [GONGKAI_PUBLIC_URL]
# public_url = "https://gk.example.gov.cn"

[database]
# Seconds opening the database may take at start-up before the command stops with a message
# naming the cause (a server that neither answers nor refuses). [GONGKAI_DATABASE_CONNECT_TIMEOUT_SECS]
connect_timeout_secs = 10
# PostgreSQL: seconds a request waits for a connection (e.g. while the database restarts)
# before it is answered 503 "try again later". [GONGKAI_DATABASE_ACQUIRE_TIMEOUT_SECS]
acquire_timeout_secs = 5
# PostgreSQL: connections this instance opens at most. With N instances the server needs
# N × this plus room for maintenance (its max_connections, default 100). [GONGKAI_DATABASE_MAX_CONNECTIONS]
max_connections = 10

[session]
# A session ends after this many minutes without use. [GONGKAI_SESSION_IDLE_MINUTES]
idle_minutes = 30
# Every session ends this many minutes after login. [GONGKAI_SESSION_ABSOLUTE_MINUTES]
absolute_minutes = 720

[login]
# Failed logins are counted over this window. [GONGKAI_LOGIN_WINDOW_MINUTES]
window_minutes = 15
# Failures per username, then per IP address, before logins are refused for the window.
# [GONGKAI_LOGIN_MAX_FAILURES_PER_USER] [GONGKAI_LOGIN_MAX_FAILURES_PER_IP]
max_failures_per_user = 5
max_failures_per_ip = 20
# Consecutive failed logins that lock an account (counted in the database). [GONGKAI_LOGIN_LOCKOUT_FAILURES]
lockout_failures = 5
# How long a locked account stays locked; 0 = until the security administrator unlocks it.
# [GONGKAI_LOGIN_LOCKOUT_MINUTES]
lockout_minutes = 30

[password]
# Minimum length of a password. [GONGKAI_PASSWORD_MIN_LENGTH]
min_length = 10
# How many of the four character classes (upper case, lower case, digits, other) a password
# needs, 1-4. [GONGKAI_PASSWORD_MIN_CLASSES]
min_classes = 3
# A new password may not repeat any of the last N passwords; 0 = no history.
# [GONGKAI_PASSWORD_HISTORY]
history = 5
# Passwords must be changed after this many days; 0 = never. [GONGKAI_PASSWORD_EXPIRY_DAYS]
expiry_days = 90

[vault]
# Personal data (ID and certificate numbers, contact details, identity proofs, TOTP secrets) is
# encrypted at rest with keys from a key file, never from the database. The key file; default
# "<data_dir>/keys/vault.toml", made by `gongkai keys init` (mode 0600). Keep it out of database
# backups. The environment variable GONGKAI_VAULT_KEYS, when set, holds the key file's whole
# content instead and wins over any file. [GONGKAI_VAULT_KEY_FILE]
# key_file = "/etc/gongkai/vault.toml"
# Algorithm of new keys: "sm4-gcm" (商用密码, default) or "aes-256-gcm". [GONGKAI_VAULT_ALGORITHM]
algorithm = "sm4-gcm"

[audit]
# Days audit records are kept before they may be pruned (the chain keeps a checkpoint); at least
# 184 (six months, 网络安全法 Art. 21); 0 = keep for ever. [GONGKAI_AUDIT_RETENTION_DAYS]
retention_days = 0

[http]
# Seconds a client has to send a request's headers after connecting; a slower client is
# disconnected (slowloris). [GONGKAI_HTTP_HEADER_READ_TIMEOUT_SECS]
header_read_timeout_secs = 10
# Seconds a whole request may take, body included, before it is answered 408 (allow for large
# uploads over slow links). [GONGKAI_HTTP_REQUEST_TIMEOUT_SECS]
request_timeout_secs = 120
# Megabytes of rendered public pages kept in memory per instance (issue #11); pages are dropped
# when anything is committed, on any instance, within a quarter of a second. 0 = off.
# [GONGKAI_HTTP_PAGE_CACHE_MB]
page_cache_mb = 64
# Addresses or networks of this deployment's own load balancers or reverse proxies. A request
# from one of them is taken to come from the address its X-Forwarded-For header names (the first
# one from the right that is not itself listed here), so the per-address limits and the audit log
# see each person rather than the balancer. Empty: the header is ignored (anyone can send it).
# Example: ["127.0.0.1", "10.0.0.0/8"]. [GONGKAI_HTTP_TRUSTED_PROXIES, comma-separated]
trusted_proxies = []

[personal]
# Years after an application is archived (or a mailbox message replied) before its personal data
# (ID numbers, contact details, identity proof; the writer's name and contact details) are
# deleted; the record itself stays. 0 = keep (default): set it to the retention period of your
# archives rules, at least 1. [GONGKAI_PERSONAL_RETENTION_YEARS]
retention_years = 0

[calendar]
# Count the start day (the receipt date) as day one of a working-day period. The default,
# false, starts counting the next day (民法典 Art. 201; REG §7.2). [GONGKAI_CALENDAR_COUNT_START_DAY]
count_start_day = false

[report]
# Publication deadlines of last year's annual report (条例 Art. 49), as month-day of the year
# after. A department's report: 1月31日 by default (REG §1.6: local rules differ, e.g. the end
# of February). [GONGKAI_REPORT_DEPARTMENT_DEADLINE]
department_deadline = "01-31"
# The government's consolidated (rollup) report: 3月31日. [GONGKAI_REPORT_CONSOLIDATED_DEADLINE]
consolidated_deadline = "03-31"
"#;

/// Database connections (issue #11: bounded start-up, recovery after a database restart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseConfig {
    pub connect_timeout_secs: u32,
    pub acquire_timeout_secs: u32,
    pub max_connections: u32,
}

/// Session lifetimes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionConfig {
    pub idle_minutes: u32,
    pub absolute_minutes: u32,
}

/// Login throttling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginConfig {
    pub window_minutes: u32,
    pub max_failures_per_user: u32,
    pub max_failures_per_ip: u32,
    /// Consecutive failures that lock an account (issue #13).
    pub lockout_failures: u32,
    /// Lock duration; 0 = until the security administrator unlocks.
    pub lockout_minutes: u32,
}

/// Password policy (GB/T 22239-2019 8.1.4.1 a; issue #13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswordConfig {
    pub min_length: u32,
    pub min_classes: u32,
    pub history: u32,
    pub expiry_days: u32,
}

/// The personal-data vault (issue #13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultConfig {
    /// The key file; `None` = `<data_dir>/keys/vault.toml`.
    pub key_file: Option<PathBuf>,
    /// Algorithm of new keys (`sm4-gcm` or `aes-256-gcm`).
    pub algorithm: String,
}

/// Audit log retention (网络安全法 Art. 21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditConfig {
    /// Days kept before pruning; 0 = for ever, otherwise at least [`MIN_AUDIT_RETENTION_DAYS`].
    pub retention_days: u32,
}

/// Timeouts of the HTTP server (issue #11: slow clients cannot hold connections or workers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpConfig {
    pub header_read_timeout_secs: u32,
    pub request_timeout_secs: u32,
    pub page_cache_mb: u32,
    /// Load balancers whose `X-Forwarded-For` is believed (`crate::proxy`).
    pub trusted_proxies: Vec<String>,
}

/// Retention of personal data (个人信息保护法 Art. 19, 47).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalConfig {
    /// Years after closing before personal data are deleted; 0 = keep.
    pub retention_years: u32,
}

/// Six months at their longest (e.g. July to December): 网络安全法 Art. 21.
pub const MIN_AUDIT_RETENTION_DAYS: u32 = 184;

/// Deadline arithmetic options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarConfig {
    /// REG §7.2: whether the start day counts (default: no, 民法典 Art. 201).
    pub count_start_day: bool,
}

/// Annual-report deadlines (issue #9; 条例 Art. 49), reminded by the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportConfig {
    /// `MM-DD`: a department's report of last year is published by then (default `01-31`).
    pub department_deadline: String,
    /// `MM-DD`: the government's consolidated report (default `03-31`).
    pub consolidated_deadline: String,
}

impl ReportConfig {
    /// The deadlines for the reminder sweep (validated when the configuration is loaded).
    pub fn deadlines(&self) -> gongkai_store::reminders::ReportDeadlines {
        use gongkai_store::reminders::{ReportDeadlines, parse_month_day};
        let d = ReportDeadlines::default();
        ReportDeadlines {
            department: parse_month_day(&self.department_deadline).unwrap_or(d.department),
            consolidated: parse_month_day(&self.consolidated_deadline).unwrap_or(d.consolidated),
        }
    }
}

/// E-mail to applicants (issue #6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailConfig {
    /// The SMTP relay as a URL (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`); `None` = no e-mail (letters go online, by post or in
    /// person). May hold a password: printed redacted.
    pub smtp_url: Option<String>,
    /// The sender address, e.g. `政务公开办公室 <gongkai@example.gov.cn>`.
    pub from: String,
}

/// The effective configuration of a deployment.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    pub data_dir: PathBuf,
    /// May contain a password: print [`Config::redacted_database_url`] instead.
    pub database_url: String,
    pub bind: SocketAddr,
    pub public_url: Option<String>,
    pub database: DatabaseConfig,
    pub session: SessionConfig,
    pub login: LoginConfig,
    pub password: PasswordConfig,
    pub calendar: CalendarConfig,
    pub vault: VaultConfig,
    pub audit: AuditConfig,
    pub personal: PersonalConfig,
    pub http: HttpConfig,
    pub report: ReportConfig,
    pub mail: MailConfig,
    /// The TOML file that was read, if any (not itself a setting).
    #[serde(skip)]
    pub config_file: Option<PathBuf>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.redacted_database_url())
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("database", &self.database)
            .field("session", &self.session)
            .field("login", &self.login)
            .field("calendar", &self.calendar)
            .field("vault", &self.vault)
            .field("audit", &self.audit)
            .field("personal", &self.personal)
            .field("http", &self.http)
            .field("report", &self.report)
            .field("mail_from", &self.mail.from)
            .field("config_file", &self.config_file)
            .finish()
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
}

/// One layer of settings (a file or the environment); `None` leaves the value below it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    #[serde(default)]
    database: DatabaseLayer,
    #[serde(default)]
    session: SessionLayer,
    #[serde(default)]
    login: LoginLayer,
    #[serde(default)]
    password: PasswordLayer,
    #[serde(default)]
    calendar: CalendarLayer,
    #[serde(default)]
    vault: VaultLayer,
    #[serde(default)]
    audit: AuditLayer,
    #[serde(default)]
    personal: PersonalLayer,
    #[serde(default)]
    http: HttpLayer,
    #[serde(default)]
    report: ReportLayer,
    #[serde(default)]
    mail: MailLayer,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportLayer {
    department_deadline: Option<String>,
    consolidated_deadline: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailLayer {
    smtp_url: Option<String>,
    from: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VaultLayer {
    key_file: Option<PathBuf>,
    algorithm: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditLayer {
    retention_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonalLayer {
    retention_years: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpLayer {
    header_read_timeout_secs: Option<u32>,
    request_timeout_secs: Option<u32>,
    page_cache_mb: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseLayer {
    connect_timeout_secs: Option<u32>,
    acquire_timeout_secs: Option<u32>,
    max_connections: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionLayer {
    idle_minutes: Option<u32>,
    absolute_minutes: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginLayer {
    window_minutes: Option<u32>,
    max_failures_per_user: Option<u32>,
    max_failures_per_ip: Option<u32>,
    lockout_failures: Option<u32>,
    lockout_minutes: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordLayer {
    min_length: Option<u32>,
    min_classes: Option<u32>,
    history: Option<u32>,
    expiry_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarLayer {
    count_start_day: Option<bool>,
}

fn env_u32(env: &dyn Fn(&str) -> Option<String>, key: &str) -> anyhow::Result<Option<u32>> {
    match env(key) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => bail!("环境变量 {key} 的值“{v}”不是有效的非负整数"),
        },
    }
}

fn env_bool(env: &dyn Fn(&str) -> Option<String>, key: &str) -> anyhow::Result<Option<bool>> {
    match env(key) {
        None => Ok(None),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" => Ok(Some(false)),
            _ => bail!("环境变量 {key} 的值“{v}”无效：请用 true 或 false"),
        },
    }
}

fn env_layer(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Layer> {
    let text = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    Ok(Layer {
        data_dir: text("GONGKAI_DATA").map(PathBuf::from),
        database_url: text("GONGKAI_DATABASE_URL"),
        bind: text("GONGKAI_BIND"),
        public_url: text("GONGKAI_PUBLIC_URL"),
        database: DatabaseLayer {
            connect_timeout_secs: env_u32(env, "GONGKAI_DATABASE_CONNECT_TIMEOUT_SECS")?,
            acquire_timeout_secs: env_u32(env, "GONGKAI_DATABASE_ACQUIRE_TIMEOUT_SECS")?,
            max_connections: env_u32(env, "GONGKAI_DATABASE_MAX_CONNECTIONS")?,
        },
        session: SessionLayer {
            idle_minutes: env_u32(env, "GONGKAI_SESSION_IDLE_MINUTES")?,
            absolute_minutes: env_u32(env, "GONGKAI_SESSION_ABSOLUTE_MINUTES")?,
        },
        login: LoginLayer {
            window_minutes: env_u32(env, "GONGKAI_LOGIN_WINDOW_MINUTES")?,
            max_failures_per_user: env_u32(env, "GONGKAI_LOGIN_MAX_FAILURES_PER_USER")?,
            max_failures_per_ip: env_u32(env, "GONGKAI_LOGIN_MAX_FAILURES_PER_IP")?,
            lockout_failures: env_u32(env, "GONGKAI_LOGIN_LOCKOUT_FAILURES")?,
            lockout_minutes: env_u32(env, "GONGKAI_LOGIN_LOCKOUT_MINUTES")?,
        },
        password: PasswordLayer {
            min_length: env_u32(env, "GONGKAI_PASSWORD_MIN_LENGTH")?,
            min_classes: env_u32(env, "GONGKAI_PASSWORD_MIN_CLASSES")?,
            history: env_u32(env, "GONGKAI_PASSWORD_HISTORY")?,
            expiry_days: env_u32(env, "GONGKAI_PASSWORD_EXPIRY_DAYS")?,
        },
        calendar: CalendarLayer {
            count_start_day: env_bool(env, "GONGKAI_CALENDAR_COUNT_START_DAY")?,
        },
        vault: VaultLayer {
            key_file: text("GONGKAI_VAULT_KEY_FILE").map(PathBuf::from),
            algorithm: text("GONGKAI_VAULT_ALGORITHM"),
        },
        audit: AuditLayer {
            retention_days: env_u32(env, "GONGKAI_AUDIT_RETENTION_DAYS")?,
        },
        personal: PersonalLayer {
            retention_years: env_u32(env, "GONGKAI_PERSONAL_RETENTION_YEARS")?,
        },
        http: HttpLayer {
            header_read_timeout_secs: env_u32(env, "GONGKAI_HTTP_HEADER_READ_TIMEOUT_SECS")?,
            request_timeout_secs: env_u32(env, "GONGKAI_HTTP_REQUEST_TIMEOUT_SECS")?,
            page_cache_mb: env_u32(env, "GONGKAI_HTTP_PAGE_CACHE_MB")?,
            trusted_proxies: text("GONGKAI_HTTP_TRUSTED_PROXIES").map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            }),
        },
        report: ReportLayer {
            department_deadline: text("GONGKAI_REPORT_DEPARTMENT_DEADLINE"),
            consolidated_deadline: text("GONGKAI_REPORT_CONSOLIDATED_DEADLINE"),
        },
        mail: MailLayer {
            smtp_url: text("GONGKAI_SMTP_URL"),
            from: text("GONGKAI_MAIL_FROM"),
        },
    })
}

fn read_layer(path: &Path) -> anyhow::Result<Layer> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取配置文件 {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("配置文件 {} 有误", path.display()))
}

/// Loads the configuration from the real environment (see the module header).
pub fn load(cli: &Overrides) -> anyhow::Result<Config> {
    load_with(cli, &|k| std::env::var(k).ok())
}

/// [`load`] with an explicit environment, for tests.
pub fn load_with(cli: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
    let env_layer = env_layer(env)?;
    let explicit_file = cli.config_file.clone().or_else(|| {
        env("GONGKAI_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let early_data_dir = cli.data_dir.clone().or_else(|| env_layer.data_dir.clone());
    let config_file = match explicit_file {
        Some(f) => {
            if !f.is_file() {
                bail!("配置文件 {} 不存在", f.display());
            }
            Some(f)
        }
        None => {
            let dir = early_data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
            let f = dir.join(CONFIG_FILE_NAME);
            f.is_file().then_some(f)
        }
    };
    let file_layer = match &config_file {
        Some(f) => read_layer(f)?,
        None => Layer::default(),
    };
    let layers = [&file_layer, &env_layer];
    let pick = |f: &dyn Fn(&Layer) -> Option<String>| layers.iter().rev().find_map(|l| f(l));

    let data_dir = early_data_dir
        .or_else(|| file_layer.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let mut cfg = Config::default_for(&data_dir);
    cfg.config_file = config_file;
    if let Some(url) = cli
        .database_url
        .clone()
        .filter(|u| !u.is_empty())
        .or_else(|| pick(&|l| l.database_url.clone()))
    {
        cfg.database_url = url;
    }
    if let Some(bind) = cli.bind.clone().or_else(|| pick(&|l| l.bind.clone())) {
        cfg.bind = bind
            .parse()
            .map_err(|_| anyhow::anyhow!("监听地址“{bind}”无效（示例：127.0.0.1:8080）"))?;
    }
    cfg.public_url = pick(&|l| l.public_url.clone()).filter(|u| !u.trim().is_empty());
    let num = |f: &dyn Fn(&Layer) -> Option<u32>, default: u32| {
        layers.iter().rev().find_map(|l| f(l)).unwrap_or(default)
    };
    let d = &mut cfg.database;
    d.connect_timeout_secs = num(&|l| l.database.connect_timeout_secs, d.connect_timeout_secs);
    d.acquire_timeout_secs = num(&|l| l.database.acquire_timeout_secs, d.acquire_timeout_secs);
    d.max_connections = num(&|l| l.database.max_connections, d.max_connections);
    cfg.session.idle_minutes = num(&|l| l.session.idle_minutes, cfg.session.idle_minutes);
    cfg.session.absolute_minutes = num(
        &|l| l.session.absolute_minutes,
        cfg.session.absolute_minutes,
    );
    cfg.login.window_minutes = num(&|l| l.login.window_minutes, cfg.login.window_minutes);
    cfg.login.max_failures_per_user = num(
        &|l| l.login.max_failures_per_user,
        cfg.login.max_failures_per_user,
    );
    cfg.login.max_failures_per_ip = num(
        &|l| l.login.max_failures_per_ip,
        cfg.login.max_failures_per_ip,
    );
    cfg.login.lockout_failures = num(&|l| l.login.lockout_failures, cfg.login.lockout_failures);
    cfg.login.lockout_minutes = num(&|l| l.login.lockout_minutes, cfg.login.lockout_minutes);
    cfg.password.min_length = num(&|l| l.password.min_length, cfg.password.min_length);
    cfg.password.min_classes = num(&|l| l.password.min_classes, cfg.password.min_classes);
    cfg.password.history = num(&|l| l.password.history, cfg.password.history);
    cfg.password.expiry_days = num(&|l| l.password.expiry_days, cfg.password.expiry_days);
    if let Some(b) = layers.iter().rev().find_map(|l| l.calendar.count_start_day) {
        cfg.calendar.count_start_day = b;
    }
    if let Some(f) = layers.iter().rev().find_map(|l| l.vault.key_file.clone()) {
        cfg.vault.key_file = Some(f);
    }
    if let Some(a) = pick(&|l| l.vault.algorithm.clone()) {
        cfg.vault.algorithm = a;
    }
    cfg.audit.retention_days = num(&|l| l.audit.retention_days, cfg.audit.retention_days);
    cfg.personal.retention_years = num(
        &|l| l.personal.retention_years,
        cfg.personal.retention_years,
    );
    cfg.http.header_read_timeout_secs = num(
        &|l| l.http.header_read_timeout_secs,
        cfg.http.header_read_timeout_secs,
    );
    cfg.http.request_timeout_secs = num(
        &|l| l.http.request_timeout_secs,
        cfg.http.request_timeout_secs,
    );
    cfg.http.page_cache_mb = num(&|l| l.http.page_cache_mb, cfg.http.page_cache_mb);
    if let Some(p) = layers
        .iter()
        .rev()
        .find_map(|l| l.http.trusted_proxies.clone())
    {
        cfg.http.trusted_proxies = p;
    }
    if let Some(d) = pick(&|l| l.report.department_deadline.clone()) {
        cfg.report.department_deadline = d;
    }
    if let Some(d) = pick(&|l| l.report.consolidated_deadline.clone()) {
        cfg.report.consolidated_deadline = d;
    }
    if let Some(u) = pick(&|l| l.mail.smtp_url.clone()) {
        cfg.mail.smtp_url = Some(u);
    }
    if let Some(f) = pick(&|l| l.mail.from.clone()) {
        cfg.mail.from = f;
    }
    cfg.validate()?;
    Ok(cfg)
}

impl Config {
    /// The defaults for a deployment in `data_dir`.
    pub fn default_for(data_dir: &Path) -> Config {
        Config {
            data_dir: data_dir.to_path_buf(),
            database_url: format!("sqlite://{}", data_dir.join("gongkai.db").display()),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database: DatabaseConfig {
                connect_timeout_secs: 10,
                acquire_timeout_secs: 5,
                max_connections: 10,
            },
            session: SessionConfig {
                idle_minutes: 30,
                absolute_minutes: 12 * 60,
            },
            login: LoginConfig {
                window_minutes: 15,
                max_failures_per_user: 5,
                max_failures_per_ip: 20,
                lockout_failures: 5,
                lockout_minutes: 30,
            },
            password: PasswordConfig {
                min_length: 10,
                min_classes: 3,
                history: 5,
                expiry_days: 90,
            },
            calendar: CalendarConfig {
                count_start_day: false,
            },
            vault: VaultConfig {
                key_file: None,
                algorithm: "sm4-gcm".into(),
            },
            audit: AuditConfig { retention_days: 0 },
            personal: PersonalConfig { retention_years: 0 },
            http: HttpConfig {
                header_read_timeout_secs: 10,
                request_timeout_secs: 120,
                page_cache_mb: 64,
                trusted_proxies: Vec::new(),
            },
            report: ReportConfig {
                department_deadline: "01-31".into(),
                consolidated_deadline: "03-31".into(),
            },
            mail: MailConfig {
                smtp_url: None,
                from: "gongkai@localhost".into(),
            },
            config_file: None,
        }
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.database_url.trim().is_empty() {
            bail!("数据库地址不能为空");
        }
        if let Some(u) = &self.public_url {
            let parsed =
                url::Url::parse(u).map_err(|_| anyhow::anyhow!("公开地址“{u}”不是有效的网址"))?;
            let plain_origin = matches!(parsed.scheme(), "http" | "https")
                && parsed.host_str().is_some()
                && parsed.path() == "/"
                && parsed.query().is_none()
                && parsed.fragment().is_none()
                && parsed.username().is_empty()
                && parsed.password().is_none();
            if !plain_origin {
                bail!("公开地址“{u}”须为 http(s)://主机[:端口] 的形式，不含路径和参数");
            }
        }
        let d = &self.database;
        if d.connect_timeout_secs == 0 || d.acquire_timeout_secs == 0 || d.max_connections == 0 {
            bail!("[database] 的超时时间须至少为 1 秒，连接数须至少为 1");
        }
        let s = &self.session;
        if s.idle_minutes == 0 || s.absolute_minutes == 0 {
            bail!("会话时长必须大于 0 分钟");
        }
        if s.absolute_minutes < s.idle_minutes {
            bail!(
                "会话最长时长（{} 分钟）不能短于空闲超时（{} 分钟）",
                s.absolute_minutes,
                s.idle_minutes
            );
        }
        let l = &self.login;
        if l.window_minutes == 0 || l.max_failures_per_user == 0 || l.max_failures_per_ip == 0 {
            bail!("登录限制的时间窗和失败次数都必须大于 0");
        }
        if l.lockout_failures == 0 {
            bail!("锁定账号前允许的连续失败次数必须大于 0");
        }
        let p = &self.password;
        if p.min_length < 8 || p.min_length > 128 {
            bail!("口令最小长度须在 8 到 128 之间（当前为 {}）", p.min_length);
        }
        if !(1..=4).contains(&p.min_classes) {
            bail!(
                "口令须包含的字符类别数须在 1 到 4 之间（当前为 {}）",
                p.min_classes
            );
        }
        if p.history > 24 {
            bail!("口令历史记录数不能超过 24（当前为 {}）", p.history);
        }
        gongkai_core::vault::Algorithm::parse(&self.vault.algorithm)?;
        if let Some(u) = &self.mail.smtp_url {
            let ok = url::Url::parse(u)
                .is_ok_and(|p| matches!(p.scheme(), "smtp" | "smtps") && p.host_str().is_some());
            if !ok {
                bail!("邮件服务器地址须为 smtp://主机[:端口] 或 smtps://主机[:端口] 的形式");
            }
        }
        if self.http.header_read_timeout_secs == 0 || self.http.request_timeout_secs == 0 {
            bail!("[http] 的超时时间须至少为 1 秒");
        }
        crate::proxy::TrustedProxies::parse(&self.http.trusted_proxies)?;
        for (what, v) in [
            ("部门年度报告公布期限", &self.report.department_deadline),
            (
                "本级政府年度报告公布期限",
                &self.report.consolidated_deadline,
            ),
        ] {
            gongkai_store::reminders::parse_month_day(v)
                .map_err(|e| anyhow::anyhow!("{what}：{e}"))?;
        }
        let r = self.audit.retention_days;
        if r != 0 && r < MIN_AUDIT_RETENTION_DAYS {
            bail!(
                "审计记录保存期不能少于六个月（{MIN_AUDIT_RETENTION_DAYS} 天，《网络安全法》第二十一条）；当前为 {r} 天（0 表示永久保存）"
            );
        }
        Ok(())
    }

    /// How to open the database (`create`: make a missing SQLite file).
    pub fn db_options(&self, create: bool) -> gongkai_store::DbOptions {
        let secs = |n: u32| std::time::Duration::from_secs(u64::from(n));
        gongkai_store::DbOptions {
            create,
            max_connections: Some(self.database.max_connections),
            connect_timeout: Some(secs(self.database.connect_timeout_secs)),
            acquire_timeout: Some(secs(self.database.acquire_timeout_secs)),
        }
    }

    /// The database URL with its password replaced by `***`.
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }

    /// The effective configuration as TOML, secrets redacted (`gongkai config`).
    pub fn to_redacted_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        shown.database_url = self.redacted_database_url();
        shown.mail.smtp_url = self.mail.smtp_url.as_deref().map(redact);
        Ok(toml::to_string(&shown)?)
    }
}

/// What the web server derives from the configuration.
// `allow`, not `expect`: these become used when `gongkai serve` lands, and must not warn then.
#[allow(dead_code)]
impl Config {
    /// The SMTP relay for letters and reminders, when configured.
    pub fn mailer(&self) -> Option<gongkai_web::mail::Mailer> {
        self.mail
            .smtp_url
            .clone()
            .map(|smtp_url| gongkai_web::mail::Mailer {
                smtp_url,
                from: self.mail.from.clone(),
            })
    }

    /// True when the site is served over https (session cookies get `Secure`).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The origin (`scheme://host[:port]`) that form posts must come from, when configured.
    pub fn public_origin(&self) -> Option<String> {
        let u = url::Url::parse(self.public_url.as_deref()?).ok()?;
        Some(u.origin().ascii_serialization())
    }

    /// Session lifetimes for `gongkai_store::sessions`.
    pub fn session_lifetimes(&self) -> sessions::Lifetimes {
        sessions::Lifetimes {
            idle_ms: i64::from(self.session.idle_minutes) * 60_000,
            absolute_ms: i64::from(self.session.absolute_minutes) * 60_000,
        }
    }

    /// The password policy for `gongkai_store::users`.
    pub fn password_policy(&self) -> users::PasswordPolicy {
        users::PasswordPolicy {
            min_length: self.password.min_length as usize,
            min_classes: self.password.min_classes as usize,
            history: self.password.history as usize,
            expiry_days: self.password.expiry_days,
        }
    }

    /// The key file of the vault.
    pub fn key_file(&self) -> PathBuf {
        self.vault
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys").join("vault.toml"))
    }

    /// The algorithm of new keys (validated on load).
    pub fn vault_algorithm(&self) -> gongkai_core::vault::Algorithm {
        gongkai_core::vault::Algorithm::parse(&self.vault.algorithm)
            .unwrap_or(gongkai_core::vault::Algorithm::Sm4Gcm)
    }

    /// Account lockout for `gongkai_store::users`.
    pub fn lockout(&self) -> users::Lockout {
        users::Lockout {
            max_failures: i64::from(self.login.lockout_failures),
            lock_ms: i64::from(self.login.lockout_minutes) * 60_000,
        }
    }

    /// Login throttling limits for `gongkai_store::logins`.
    pub fn login_limits(&self) -> logins::Limits {
        logins::Limits {
            window_ms: i64::from(self.login.window_minutes) * 60_000,
            max_failures_per_user: i64::from(self.login.max_failures_per_user),
            max_failures_per_ip: i64::from(self.login.max_failures_per_ip),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn no_file_dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn defaults_follow_the_data_dir() {
        let dir = no_file_dir();
        let cfg = load_with(
            &Overrides {
                data_dir: Some(dir.path().to_path_buf()),
                ..Default::default()
            },
            &env_of(&[]),
        )
        .unwrap();
        assert_eq!(cfg, Config::default_for(dir.path()));
        assert_eq!(
            cfg.database_url,
            format!("sqlite://{}/gongkai.db", dir.path().display())
        );
        assert_eq!(cfg.bind.to_string(), "127.0.0.1:8080");
        assert!(!cfg.calendar.count_start_day);
        assert!(!cfg.secure_cookies());
    }

    #[test]
    fn documented_default_file_is_the_default() {
        let parsed: Layer = toml::from_str(DEFAULT_TOML).unwrap();
        let dir = no_file_dir();
        let path = dir.path().join("g.toml");
        std::fs::write(&path, DEFAULT_TOML).unwrap();
        let cfg = load_with(
            &Overrides {
                config_file: Some(path.clone()),
                ..Default::default()
            },
            &env_of(&[]),
        )
        .unwrap();
        let mut expected = Config::default_for(Path::new("./data"));
        expected.config_file = Some(path);
        assert_eq!(cfg, expected);
        assert_eq!(parsed.database_url, None);
        assert_eq!(parsed.bind.as_deref(), Some("127.0.0.1:8080"));
    }

    #[test]
    fn report_deadlines_are_configurable_and_checked() {
        let dir = no_file_dir();
        let cli = Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let cfg = load_with(&cli, &env_of(&[])).unwrap();
        assert_eq!(
            cfg.report.deadlines(),
            gongkai_store::reminders::ReportDeadlines {
                department: (1, 31),
                consolidated: (3, 31),
            }
        );
        let cfg = load_with(
            &cli,
            &env_of(&[("GONGKAI_REPORT_DEPARTMENT_DEADLINE", "02-28")]),
        )
        .unwrap();
        assert_eq!(cfg.report.deadlines().department, (2, 28));
        let err = load_with(
            &cli,
            &env_of(&[("GONGKAI_REPORT_CONSOLIDATED_DEADLINE", "02-30")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("本级政府年度报告公布期限"),
            "{err}"
        );
    }

    #[test]
    fn trusted_proxies_from_the_file_or_the_environment_and_checked() {
        let dir = no_file_dir();
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "[http]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n",
        )
        .unwrap();
        let cli = Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let cfg = load_with(&cli, &env_of(&[])).unwrap();
        assert_eq!(cfg.http.trusted_proxies, ["127.0.0.1", "10.0.0.0/8"]);
        let cfg = load_with(
            &cli,
            &env_of(&[("GONGKAI_HTTP_TRUSTED_PROXIES", " ::1 , 192.0.2.0/24 ")]),
        )
        .unwrap();
        assert_eq!(cfg.http.trusted_proxies, ["::1", "192.0.2.0/24"]); // env > file
        let err = load_with(
            &cli,
            &env_of(&[("GONGKAI_HTTP_TRUSTED_PROXIES", "127.0.0.1,lb.example")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("“lb.example”不是 IP 地址或网段"),
            "{err}"
        );
    }

    #[test]
    fn precedence_is_defaults_file_env_flags() {
        let dir = no_file_dir();
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "bind = \"0.0.0.0:9000\"\npublic_url = \"https://gk.example.gov.cn\"\n\
             database_url = \"postgres://file@db/gk\"\n[session]\nidle_minutes = 10\n\
             [calendar]\ncount_start_day = true\n",
        )
        .unwrap();
        let data = dir.path().to_path_buf();
        let env = env_of(&[
            ("GONGKAI_BIND", "0.0.0.0:9100"),
            ("GONGKAI_SESSION_ABSOLUTE_MINUTES", "60"),
            ("GONGKAI_DATABASE_URL", "postgres://env:s3cret@db/gk"),
        ]);
        let cfg = load_with(
            &Overrides {
                data_dir: Some(data.clone()),
                bind: Some("127.0.0.1:9200".into()),
                ..Default::default()
            },
            &env,
        )
        .unwrap();
        assert_eq!(cfg.config_file, Some(data.join(CONFIG_FILE_NAME)));
        assert_eq!(cfg.bind.to_string(), "127.0.0.1:9200"); // flag > env > file
        assert_eq!(cfg.database_url, "postgres://env:s3cret@db/gk"); // env > file
        assert_eq!(cfg.session.idle_minutes, 10); // file > default
        assert_eq!(cfg.session.absolute_minutes, 60); // env
        assert!(cfg.calendar.count_start_day);
        assert!(cfg.secure_cookies());
        assert_eq!(
            cfg.public_origin().as_deref(),
            Some("https://gk.example.gov.cn")
        );
        assert_eq!(cfg.session_lifetimes().idle_ms, 600_000);
        assert_eq!(cfg.login_limits().max_failures_per_user, 5);
    }

    #[test]
    fn secrets_are_redacted_in_debug_and_toml() {
        let dir = no_file_dir();
        let cfg = load_with(
            &Overrides {
                data_dir: Some(dir.path().to_path_buf()),
                database_url: Some("postgres://gk:hunter2@db.internal:5432/gongkai".into()),
                ..Default::default()
            },
            &env_of(&[]),
        )
        .unwrap();
        let debug = format!("{cfg:?}");
        let toml = cfg.to_redacted_toml().unwrap();
        for shown in [&debug, &toml] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("gk:***@db.internal"), "{shown}");
        }
        // The redacted TOML is itself a valid config file.
        let back: Layer = toml::from_str(&toml).unwrap();
        assert_eq!(back.session.idle_minutes, Some(30));
    }

    /// The `[password]` section and the lockout settings reach the store's policy types.
    #[test]
    fn password_and_lockout_settings() {
        let dir = no_file_dir();
        let base = Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let cfg = load_with(&base, &env_of(&[])).unwrap();
        assert_eq!(cfg.password_policy(), users::PasswordPolicy::default());
        assert_eq!(cfg.lockout(), users::Lockout::default());
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "[password]\nmin_length = 12\nmin_classes = 4\nhistory = 0\nexpiry_days = 0\n\
             [login]\nlockout_failures = 3\nlockout_minutes = 0\n",
        )
        .unwrap();
        let cfg = load_with(&base, &env_of(&[("GONGKAI_PASSWORD_HISTORY", "8")])).unwrap();
        let p = cfg.password_policy();
        assert_eq!(
            (p.min_length, p.min_classes, p.history, p.expiry_days),
            (12, 4, 8, 0)
        );
        assert_eq!(
            cfg.lockout(),
            users::Lockout {
                max_failures: 3,
                lock_ms: 0
            }
        );
    }

    #[test]
    fn bad_values_are_refused_in_chinese() {
        let dir = no_file_dir();
        let base = Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("GONGKAI_BIND", "localhost")], "监听地址"),
            (
                &[("GONGKAI_SESSION_IDLE_MINUTES", "ten")],
                "GONGKAI_SESSION_IDLE_MINUTES",
            ),
            (&[("GONGKAI_SESSION_IDLE_MINUTES", "0")], "大于 0"),
            (
                &[
                    ("GONGKAI_SESSION_IDLE_MINUTES", "100"),
                    ("GONGKAI_SESSION_ABSOLUTE_MINUTES", "50"),
                ],
                "不能短于",
            ),
            (
                &[("GONGKAI_PUBLIC_URL", "https://gk.example.gov.cn/portal")],
                "不含路径",
            ),
            (
                &[("GONGKAI_PUBLIC_URL", "ftp://gk.example.gov.cn")],
                "http(s)",
            ),
            (
                &[("GONGKAI_CALENDAR_COUNT_START_DAY", "maybe")],
                "true 或 false",
            ),
            (&[("GONGKAI_CONFIG", "/nonexistent/gk.toml")], "不存在"),
            (&[("GONGKAI_PASSWORD_MIN_LENGTH", "6")], "口令最小长度"),
            (&[("GONGKAI_PASSWORD_MIN_CLASSES", "5")], "字符类别数"),
            (&[("GONGKAI_LOGIN_LOCKOUT_FAILURES", "0")], "连续失败次数"),
            (&[("GONGKAI_AUDIT_RETENTION_DAYS", "90")], "不能少于六个月"),
            (&[("GONGKAI_VAULT_ALGORITHM", "des")], "加密算法"),
        ];
        for (env, want) in cases {
            let err = load_with(&base, &env_of(env)).unwrap_err();
            assert!(format!("{err:#}").contains(want), "{env:?}: {err:#}");
        }
        std::fs::write(dir.path().join(CONFIG_FILE_NAME), "bnid = \"x\"\n").unwrap();
        let err = load_with(&base, &env_of(&[])).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("配置文件") && msg.contains("bnid"), "{msg}");
    }
}
