//! `gongkai user add`: creates a staff account from the command line (issue #2).
//!
//! The rule: the account is written through `users::create` with `Actor::cli()`, so it is
//! validated and audited exactly like one created in the console. The password never appears
//! on the command line (where `ps` and shell history would see it): it is read without echo from
//! the terminal, or as one line from standard input when that is not a terminal (scripts).

use super::ops::{GlobalArgs, block_on, open_current};
use anyhow::{Context, anyhow, bail};
use gongkai_core::auth::{Grant, Role};
use gongkai_store::audit::Actor;
use gongkai_store::orgs;
use gongkai_store::users::{self, NewUser};
use std::io::{BufRead, IsTerminal};

/// Manage staff accounts.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create an account. The password is prompted for (or read as one line from stdin).
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// Login name: 3-32 letters, digits, '.', '_' or '-'.
    #[arg(long)]
    username: String,
    /// Code of the organisation the person belongs to.
    #[arg(long = "org", value_name = "ORG_CODE")]
    org: String,
    /// Role to grant, optionally scoped to another organisation (default scope: --org).
    /// Repeat for several roles. Roles: drafter, department_head, confidentiality_reviewer,
    /// approving_leader, disclosure_office, administrator (system administrator),
    /// security_administrator, auditor (audit administrator). 三员分立: one account may hold at
    /// most one of administrator, security_administrator and auditor.
    #[arg(long = "role", value_name = "ROLE[@ORG_CODE]", required = true)]
    roles: Vec<String>,
    /// Name shown in the console [default: the username].
    #[arg(long)]
    display_name: Option<String>,
    /// Make the person choose a new password at first login.
    #[arg(long)]
    must_change_password: bool,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Add(a) => add(global, a),
    }
}

fn role_list() -> String {
    Role::ALL
        .iter()
        .map(|r| format!("{}（{}）", r.code(), r.label()))
        .collect::<Vec<_>>()
        .join("、")
}

/// Splits `ROLE[@ORG_CODE]` and checks the role code.
fn parse_role(spec: &str) -> anyhow::Result<(Role, Option<&str>)> {
    let (code, scope) = match spec.split_once('@') {
        Some((c, s)) => (c.trim(), Some(s.trim())),
        None => (spec.trim(), None),
    };
    let role = Role::from_code(code)
        .ok_or_else(|| anyhow!("未知的角色“{code}”；可用的角色：{}", role_list()))?;
    if scope.is_some_and(str::is_empty) {
        bail!("角色“{spec}”的 @ 后面缺少机构代码");
    }
    Ok((role, scope))
}

/// Reads the password: twice without echo from a terminal, or one line from a pipe.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("请输入口令：").context("无法读取口令")?;
        let second = rpassword::prompt_password("请再次输入口令：").context("无法读取口令")?;
        if first != second {
            bail!("两次输入的口令不一致");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("无法从标准输入读取口令")?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        if pw.is_empty() {
            bail!("没有从标准输入读到口令（应为一行）");
        }
        Ok(pw)
    }
}

fn add(global: &GlobalArgs, a: AddArgs) -> anyhow::Result<()> {
    users::check_username(&a.username).map_err(|e| anyhow!(e))?;
    let roles = a
        .roles
        .iter()
        .map(|s| parse_role(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cfg = global.load_config()?;
    block_on(async {
        let db = open_current(&cfg).await?;
        let result = async {
            let org_of = |code: String| {
                let db = &db;
                async move {
                    orgs::by_code(db, &code)
                        .await?
                        .ok_or_else(|| anyhow!("机构代码“{code}”不存在"))
                }
            };
            let home = org_of(a.org.clone()).await?;
            let mut grants = Vec::new();
            for (role, scope) in &roles {
                let scope = match scope {
                    Some(code) => org_of((*code).to_string()).await?.id,
                    None => home.id,
                };
                grants.push(Grant { role: *role, scope });
            }
            if users::by_username(&db, &a.username).await?.is_some() {
                bail!("用户名 {} 已存在", a.username);
            }
            let password = read_password()?;
            let mut tx = db.begin().await?;
            let user = users::create_with_policy(
                &mut tx,
                &Actor::cli(),
                &NewUser {
                    username: a.username.clone(),
                    display_name: a.display_name.clone().unwrap_or_else(|| a.username.clone()),
                    org_id: home.id,
                    password,
                    grants: grants.clone(),
                    must_change_password: a.must_change_password,
                },
                &cfg.password_policy(),
            )
            .await?;
            tx.commit().await?;
            let roles: Vec<String> = a.roles.iter().map(|r| r.trim().to_string()).collect();
            println!(
                "已创建用户 {}（编号 {}，机构 {}，角色 {}）。",
                user.username,
                user.id,
                home.code,
                roles.join("、")
            );
            Ok(())
        }
        .await;
        db.close().await;
        result
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn roles_parse_with_optional_scope() {
        for role in Role::ALL {
            assert_eq!(parse_role(role.code()).unwrap(), (role, None));
            let spec = format!("{}@county-1", role.code());
            assert_eq!(parse_role(&spec).unwrap(), (role, Some("county-1")));
        }
        let err = parse_role("admin").unwrap_err().to_string();
        assert!(err.contains("未知的角色“admin”"), "{err}");
        for role in Role::ALL {
            assert!(err.contains(role.code()), "{err} lacks {}", role.code());
        }
        assert!(parse_role("drafter@").is_err());
    }
}
