//! Staff accounts and their role grants (product.md C1).

use crate::audit::{self, Actor, Change};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx, password};
use gongkai_core::auth::{Grant, Role};
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
    must_change_password, password_changed_at, created_at, updated_at";

/// The password rule: at least 8 characters with at least one letter and one digit.
/// FUTURE(#13): configurable policy, history and expiry.
pub fn check_password_policy(password: &str) -> std::result::Result<(), String> {
    if password.chars().count() < 8 {
        return Err("口令至少需要 8 个字符".into());
    }
    if password.chars().count() > 128 {
        return Err("口令不能超过 128 个字符".into());
    }
    let letter = password.chars().any(|c| c.is_alphabetic());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if !(letter && digit) {
        return Err("口令须同时包含字母和数字".into());
    }
    Ok(())
}

/// The username rule: 3–32 letters, digits, `.`, `_` or `-`.
pub fn check_username(username: &str) -> std::result::Result<(), String> {
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

/// Creates an account with its grants. Audited (without the password).
pub async fn create(tx: &mut Tx, actor: &Actor, new: &NewUser) -> Result<User> {
    check_username(&new.username).map_err(StoreError::Invalid)?;
    check_password_policy(&new.password).map_err(StoreError::Invalid)?;
    if new.display_name.trim().is_empty() {
        return Err(StoreError::Invalid("请填写姓名".into()));
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
pub async fn set_grants(tx: &mut Tx, actor: &Actor, user_id: i64, grants: &[Grant]) -> Result<()> {
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

/// Sets a new password (policy-checked) and clears the forced-change flag. Audited without the
/// password itself. Ends the user's other sessions is the caller's job (see `sessions`).
pub async fn set_password(
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    new_password: &str,
    must_change: bool,
) -> Result<()> {
    check_password_policy(new_password).map_err(StoreError::Invalid)?;
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
