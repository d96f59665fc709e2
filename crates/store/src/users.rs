//! Staff accounts and their role grants (product.md C1), with the identification rules of
//! GB/T 22239-2019 8.1.4.1 身份鉴别 (issue #13): a configurable password policy with history and
//! expiry ([`PasswordPolicy`]), lockout after consecutive failures counted in the database
//! ([`Lockout`], [`record_failure`], [`unlock`]), the last login shown at the next one
//! ([`record_success`]) and the TOTP second factor's secret ([`totp_begin`], [`totp_enable`]).
//! 三员分立: no account holds two of the three administrator roles (checked in [`create`] and
//! [`set_grants`] with `gongkai_core::auth::separation_conflict`).

use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx, password};
use gongkai_core::auth::{Grant, Role, separation_conflict};
use gongkai_core::vault::Vault;
use serde::Serialize;

/// A stored user. The password hash is never serialised (so it never reaches the audit log).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub org_id: i64,
    pub active: bool,
    pub must_change_password: bool,
    pub password_changed_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Consecutive failed logins since the last success or unlock.
    pub failed_logins: i64,
    /// Logins are refused until this time (ms); `None` when not locked.
    pub locked_until: Option<i64>,
    pub last_login_at: Option<i64>,
    pub last_login_ip: Option<String>,
    /// The TOTP secret (base32); never serialised.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// True once the user confirmed a code: login then asks for one.
    pub totp_enabled: bool,
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
}

impl User {
    /// True while the account is locked after failed logins.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub password: String,
    pub grants: Vec<Grant>,
    pub must_change_password: bool,
}

const COLUMNS: &str = "id, username, display_name, password_hash, org_id, active, \
    must_change_password, password_changed_at, created_at, updated_at, failed_logins, \
    locked_until, last_login_at, last_login_ip, totp_secret, totp_enabled, totp_last_step";

/// The password policy (GB/T 22239-2019 8.1.4.1 a: 口令复杂度 and periodic change), set in the
/// `[password]` section of the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length in characters.
    pub min_length: usize,
    /// How many of the four character classes (upper case, lower case, digits, other) are needed.
    pub min_classes: usize,
    /// A new password may not equal any of the last `history` passwords (the current included).
    pub history: usize,
    /// A password older than this many days must be changed at the next request; 0 = never.
    pub expiry_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 10,
            min_classes: 3,
            history: 5,
            expiry_days: 90,
        }
    }
}

/// The longest password accepted (Argon2 input stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The character classes of a password: (upper case, lower case, digits, other).
fn classes(password: &str) -> usize {
    let upper = password.chars().any(char::is_uppercase);
    let lower = password.chars().any(char::is_lowercase);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let other = password
        .chars()
        .any(|c| !c.is_uppercase() && !c.is_lowercase() && !c.is_ascii_digit());
    [upper, lower, digit, other].iter().filter(|b| **b).count()
}

impl PasswordPolicy {
    /// Checks length and character classes (history needs the database: see [`set_password`]).
    pub fn check(&self, password: &str) -> std::result::Result<(), String> {
        let n = password.chars().count();
        if n < self.min_length {
            return Err(format!("口令至少需要 {} 个字符", self.min_length));
        }
        if n > MAX_PASSWORD_CHARS {
            return Err(format!("口令不能超过 {MAX_PASSWORD_CHARS} 个字符"));
        }
        if classes(password) < self.min_classes.min(4) {
            return Err(format!(
                "口令须包含大写字母、小写字母、数字、其他符号中的至少 {} 类",
                self.min_classes.min(4)
            ));
        }
        Ok(())
    }

    /// The rule in one Chinese sentence, for form hints.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "至少 {} 个字符，须包含大写字母、小写字母、数字、其他符号中的至少 {} 类",
            self.min_length,
            self.min_classes.min(4)
        );
        if self.history > 0 {
            s.push_str(&format!("，不能与最近 {} 次使用过的口令相同", self.history));
        }
        s.push('。');
        s
    }

    /// True when a password set at `changed_at` (ms) has expired at `now` (ms).
    pub fn is_expired(&self, changed_at: i64, now: i64) -> bool {
        self.expiry_days > 0 && now - changed_at >= i64::from(self.expiry_days) * 86_400_000
    }
}

/// The default policy's check (the CLI and tests use it when no configuration is at hand).
pub fn check_password_policy(password: &str) -> std::result::Result<(), String> {
    PasswordPolicy::default().check(password)
}

/// Account lockout (GB/T 22239-2019 8.1.4.1 b: 登录失败处理), set in the `[login]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// Consecutive failures that lock the account.
    pub max_failures: i64,
    /// How long the lock lasts (ms); 0 = until the security administrator unlocks it.
    pub lock_ms: i64,
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout {
            max_failures: 5,
            lock_ms: 30 * 60 * 1000,
        }
    }
}

/// The username rule: 3–32 letters, digits, `.`, `_` or `-`, and not an identity or
/// certificate number (usernames appear in logs and audit records, issue #13).
pub fn check_username(username: &str) -> std::result::Result<(), String> {
    if gongkai_core::mask::redact_id_numbers(username) != username {
        return Err("用户名不能使用身份证号或残疾证号".into());
    }
    let ok = (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err("用户名须为 3–32 位字母、数字、点、下划线或连字符".into())
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1"));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE username = $1"));
    Ok(on_db!(db, |p| sqlx::query_as(sql)
        .bind(username)
        .fetch_optional(p)
        .await?))
}

/// Every user, by username.
pub async fn list(db: &Db) -> Result<Vec<User>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users ORDER BY username"));
    Ok(on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await?))
}

/// The role grants of a user. Unknown role codes (from a newer binary) are skipped.
pub async fn grants(db: &Db, user_id: i64) -> Result<Vec<Grant>> {
    let rows: Vec<(String, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT role, scope_org_id FROM user_grants WHERE user_id = $1 ORDER BY role, scope_org_id"
    )
    .bind(user_id)
    .fetch_all(p)
    .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(role, scope)| Role::from_code(&role).map(|role| Grant { role, scope }))
        .collect())
}

fn grants_json(grants: &[Grant]) -> serde_json::Value {
    serde_json::Value::Array(
        grants
            .iter()
            .map(|g| serde_json::json!({"role": g.role.code(), "scope_org_id": g.scope}))
            .collect(),
    )
}

async fn insert_grants(tx: &mut Tx, user_id: i64, grants: &[Grant]) -> Result<()> {
    // A global role (the platform administrator, issue #14) is held at the platform root, the
    // deployment's own body: placed at a site's body it would let that site reach the others.
    if let Some(g) = grants.iter().find(|g| g.role.is_global()) {
        let platform: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY sort_order, id LIMIT 1"
        )
        .fetch_optional(c)
        .await?);
        if platform != Some(g.scope) {
            return Err(StoreError::Invalid(format!(
                "{}只能授予在平台本级机构（本系统的第一个顶级机构）",
                g.role.label()
            )));
        }
    }
    for g in grants {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO user_grants (user_id, role, scope_org_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING"
        )
        .bind(user_id)
        .bind(g.role.code())
        .bind(g.scope)
        .execute(c)
        .await?
        .rows_affected());
    }
    Ok(())
}

/// Creates an account with its grants under the default [`PasswordPolicy`]. Audited (without
/// the password).
pub async fn create(tx: &mut Tx, actor: &Actor, new: &NewUser) -> Result<User> {
    create_with_policy(tx, actor, new, &PasswordPolicy::default()).await
}

/// Creates an account with its grants; the initial password must satisfy `policy`.
pub async fn create_with_policy(
    tx: &mut Tx,
    actor: &Actor,
    new: &NewUser,
    policy: &PasswordPolicy,
) -> Result<User> {
    check_username(&new.username).map_err(StoreError::Invalid)?;
    policy.check(&new.password).map_err(StoreError::Invalid)?;
    if new.display_name.trim().is_empty() {
        return Err(StoreError::Invalid("请填写姓名".into()));
    }
    // 三员分立 (issue #13): never two of the three administrator roles on one account.
    if let Some(m) = separation_conflict(&new.grants) {
        return Err(StoreError::Invalid(m));
    }
    let hash = password::hash(&new.password)?;
    let now = now_ms();
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO users (username, display_name, password_hash, org_id, active, \
         must_change_password, password_changed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, TRUE, $5, $6, $6, $6) RETURNING {COLUMNS}"
    ));
    let result: std::result::Result<User, sqlx::Error> = on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(&new.username)
        .bind(new.display_name.trim())
        .bind(&hash)
        .bind(new.org_id)
        .bind(new.must_change_password)
        .bind(now)
        .fetch_one(c)
        .await);
    let user = result.map_err(|e| match StoreError::from(e) {
        e if e.is_unique_violation() => {
            StoreError::Conflict(format!("用户名 {} 已存在", new.username))
        }
        StoreError::Sqlx(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
            StoreError::Invalid("所属机构不存在".into())
        }
        e => e,
    })?;
    remember_password(tx, user.id, &hash, policy.history).await?;
    insert_grants(tx, user.id, &new.grants)
        .await
        .map_err(|e| match e {
            StoreError::Sqlx(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                StoreError::Invalid("授权范围中的机构不存在".into())
            }
            e => e,
        })?;
    let mut after = serde_json::to_value(&user)?;
    after["grants"] = grants_json(&new.grants);
    audit::append(
        tx,
        actor,
        Change {
            action: "user.create",
            object_type: "user",
            object_id: user.id.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(user)
}

/// Replaces a user's grants. Audited with before and after.
/// Refused (三员分立, issue #13) when the new set would give the account two of the three
/// administrator roles.
pub async fn set_grants(tx: &mut Tx, actor: &Actor, user_id: i64, grants: &[Grant]) -> Result<()> {
    if let Some(m) = separation_conflict(grants) {
        return Err(StoreError::Invalid(m));
    }
    let before: Vec<(String, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT role, scope_org_id FROM user_grants WHERE user_id = $1 ORDER BY role, scope_org_id"
    )
    .bind(user_id)
    .fetch_all(c)
    .await?
    });
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM user_grants WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(c)
    .await?
    .rows_affected());
    insert_grants(tx, user_id, grants).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "user.grants",
            object_type: "user",
            object_id: user_id.to_string(),
            before: Some(serde_json::json!(
                before
                    .iter()
                    .map(|(r, s)| serde_json::json!({"role": r, "scope_org_id": s}))
                    .collect::<Vec<_>>()
            )),
            after: Some(grants_json(grants)),
        },
    )
    .await?;
    Ok(())
}

/// Keeps `hash` in the password history and forgets all but the newest `keep` entries
/// (剩余信息保护: older hashes are not kept longer than the rule needs them).
async fn remember_password(tx: &mut Tx, user_id: i64, hash: &str, keep: usize) -> Result<()> {
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    if keep > 0 {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)"
        )
        .bind(user_id)
        .bind(hash)
        .bind(now_ms())
        .execute(c)
        .await?
        .rows_affected());
    }
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN \
         (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)"
    )
    .bind(user_id)
    .bind(keep)
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}

/// True when `candidate` equals the current password or one of the last `n` in the history.
async fn recently_used(tx: &mut Tx, user_id: i64, candidate: &str, n: usize) -> Result<bool> {
    if n == 0 {
        return Ok(false);
    }
    let limit = i64::try_from(n).unwrap_or(i64::MAX);
    let mut hashes: Vec<(String,)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(c)
    .await?
    });
    let current: Option<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT password_hash FROM users WHERE id = $1"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await?);
    hashes.extend(current);
    Ok(hashes.iter().any(|(h,)| password::verify(candidate, h)))
}

/// Sets a new password under the default [`PasswordPolicy`]; see [`set_password_with_policy`].
pub async fn set_password(
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    new_password: &str,
    must_change: bool,
) -> Result<()> {
    set_password_with_policy(
        tx,
        actor,
        user_id,
        new_password,
        must_change,
        &PasswordPolicy::default(),
    )
    .await
}

/// Sets a new password (checked against `policy`, including no reuse of the last
/// `policy.history` passwords) and sets the forced-change flag to `must_change`. Audited without
/// the password itself. Ending the user's other sessions is the caller's job (see `sessions`).
pub async fn set_password_with_policy(
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    new_password: &str,
    must_change: bool,
    policy: &PasswordPolicy,
) -> Result<()> {
    policy.check(new_password).map_err(StoreError::Invalid)?;
    if recently_used(tx, user_id, new_password, policy.history).await? {
        return Err(StoreError::Invalid(format!(
            "新口令不能与最近 {} 次使用过的口令相同",
            policy.history
        )));
    }
    let hash = password::hash(new_password)?;
    let now = now_ms();
    let updated = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = $3, \
         password_changed_at = $4, updated_at = $4 WHERE id = $1"
    )
    .bind(user_id)
    .bind(&hash)
    .bind(must_change)
    .bind(now)
    .execute(c)
    .await?
    .rows_affected());
    if updated == 0 {
        return Err(StoreError::NotFound("用户不存在".into()));
    }
    remember_password(tx, user_id, &hash, policy.history).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "user.password",
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: Some(serde_json::json!({"must_change_password": must_change})),
        },
    )
    .await?;
    Ok(())
}

/// Enables or disables an account. Audited.
pub async fn set_active(tx: &mut Tx, actor: &Actor, user_id: i64, active: bool) -> Result<()> {
    let updated = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET active = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(user_id)
    .bind(active)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    if updated == 0 {
        return Err(StoreError::NotFound("用户不存在".into()));
    }
    audit::append(
        tx,
        actor,
        Change {
            action: if active {
                "user.enable"
            } else {
                "user.disable"
            },
            object_type: "user",
            object_id: user_id.to_string(),
            before: Some(serde_json::json!({"active": !active})),
            after: Some(serde_json::json!({"active": active})),
        },
    )
    .await?;
    Ok(())
}

/// Records a failed login for `username` from `ip`: audited as `auth.login_failed` (never with
/// the password). For an existing account the consecutive-failure counter goes up in the
/// database; reaching `lockout.max_failures` locks the account and audits `auth.lockout` with
/// the source IP. Returns the time the account is locked until when this failure locked it.
pub async fn record_failure(
    tx: &mut Tx,
    username: &str,
    user_id: Option<i64>,
    ip: &str,
    reason: &str,
    lockout: &Lockout,
) -> Result<Option<i64>> {
    let actor = Actor {
        user_id: None,
        label: username.to_string(),
        ip: ip.to_string(),
    };
    let mut failures = None;
    if let Some(id) = user_id
        && matches!(reason, "password" | "totp")
    {
        let n: (i64,) = on_tx!(tx, |c| sqlx::query_as(
            "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 \
             RETURNING failed_logins"
        )
        .bind(id)
        .fetch_one(c)
        .await?);
        failures = Some(n.0);
    }
    audit::append(
        tx,
        &actor,
        Change {
            action: "auth.login_failed",
            object_type: "user",
            object_id: user_id.map(|i| i.to_string()).unwrap_or_default(),
            before: None,
            after: Some(serde_json::json!({
                "username": username,
                "reason": reason,
                "consecutive_failures": failures,
            })),
        },
    )
    .await?;
    let (Some(id), Some(n)) = (user_id, failures) else {
        return Ok(None);
    };
    if lockout.max_failures <= 0 || n < lockout.max_failures {
        return Ok(None);
    }
    let until = if lockout.lock_ms > 0 {
        now_ms().saturating_add(lockout.lock_ms)
    } else {
        i64::MAX
    };
    on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET locked_until = $2, failed_logins = 0 WHERE id = $1"
    )
    .bind(id)
    .bind(until)
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        &actor,
        Change {
            action: "auth.lockout",
            object_type: "user",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "consecutive_failures": n,
                "locked_until": (until != i64::MAX).then_some(until),
            })),
        },
    )
    .await?;
    Ok(Some(until))
}

/// Records a successful login from `ip`: clears the failure counter and returns the previous
/// login's time and IP (to show "上次登录：…").
pub async fn record_success(
    tx: &mut Tx,
    user_id: i64,
    ip: &str,
) -> Result<(Option<i64>, Option<String>)> {
    let before: (Option<i64>, Option<String>) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT last_login_at, last_login_ip FROM users WHERE id = $1"
    )
    .bind(user_id)
    .fetch_one(c)
    .await?);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2, \
         last_login_ip = $3 WHERE id = $1"
    )
    .bind(user_id)
    .bind(now_ms())
    .bind(ip)
    .execute(c)
    .await?
    .rows_affected());
    Ok(before)
}

/// Unlocks an account locked after failed logins (the security administrator's job). Audited
/// as `user.unlock`.
pub async fn unlock(tx: &mut Tx, actor: &Actor, user_id: i64) -> Result<()> {
    let before: Option<(Option<i64>,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT locked_until FROM users WHERE id = $1"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await?);
    let Some((locked_until,)) = before else {
        return Err(StoreError::NotFound("用户不存在".into()));
    };
    on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $1"
    )
    .bind(user_id)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "user.unlock",
            object_type: "user",
            object_id: user_id.to_string(),
            before: Some(serde_json::json!({ "locked_until": locked_until })),
            after: Some(serde_json::json!({ "locked_until": null })),
        },
    )
    .await?;
    Ok(())
}

/// The vault context of TOTP secrets (sealed at rest, issue #13).
pub const TOTP_SECRET_CONTEXT: &str = "users.totp_secret";

/// The user's TOTP secret (base32), opened from the vault.
pub fn totp_secret(user: &User, vault: &Vault) -> Result<Option<String>> {
    user.totp_secret
        .as_deref()
        .map(|s| crate::personal::open_text(vault, TOTP_SECRET_CONTEXT, s))
        .transpose()
}

/// Stores a new, not yet confirmed TOTP secret (enrolment step 1), sealed with the vault.
/// Audited without the secret.
pub async fn totp_begin(
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    secret: &str,
    vault: &Vault,
) -> Result<()> {
    let sealed = vault.seal_str(TOTP_SECRET_CONTEXT, secret);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_enabled = FALSE, totp_last_step = NULL, \
         updated_at = $3 WHERE id = $1"
    )
    .bind(user_id)
    .bind(&sealed)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "user.totp_begin",
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(())
}

/// Turns the second factor on or off. Audited.
pub async fn totp_enable(tx: &mut Tx, actor: &Actor, user_id: i64, enabled: bool) -> Result<()> {
    let sql = if enabled {
        "UPDATE users SET totp_enabled = TRUE, updated_at = $2 WHERE id = $1 \
         AND totp_secret IS NOT NULL"
    } else {
        "UPDATE users SET totp_enabled = FALSE, totp_secret = NULL, totp_last_step = NULL, \
         updated_at = $2 WHERE id = $1"
    };
    let n = on_tx!(tx, |c| sqlx::query(sql)
        .bind(user_id)
        .bind(now_ms())
        .execute(c)
        .await?
        .rows_affected());
    if n == 0 {
        return Err(StoreError::Invalid("请先生成动态口令密钥".into()));
    }
    audit::append(
        tx,
        actor,
        Change {
            action: if enabled {
                "user.totp_enable"
            } else {
                "user.totp_disable"
            },
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "totp_enabled": enabled })),
        },
    )
    .await?;
    Ok(())
}

/// Accepts TOTP time step `step` for the user once: false when this step (or a later one) was
/// used already, so a code cannot be replayed.
pub async fn totp_use_step(tx: &mut Tx, user_id: i64, step: i64) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 \
         AND (totp_last_step IS NULL OR totp_last_step < $2)"
    )
    .bind(user_id)
    .bind(step)
    .execute(c)
    .await?
    .rows_affected());
    Ok(n == 1)
}
