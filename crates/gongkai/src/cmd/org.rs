//! `gongkai org add` / `gongkai org list`: the organisation tree from the command line, so that a
//! fresh deployment (without `--demo`) can get its body and its first administrator:
//!
//! ```text
//! gongkai migrate
//! gongkai org add --code ccdpf --kind body --name 长春市残疾人联合会 --short-name 长春市残联
//! gongkai user add --username admin --org ccdpf --role administrator --must-change-password
//! ```
//!
//! Writes go through `orgs::create` with `Actor::cli()`: validated and audited like the console.

use super::ops::{GlobalArgs, block_on, open_current};
use anyhow::anyhow;
use gongkai_core::org::OrgKind;
use gongkai_store::audit::Actor;
use gongkai_store::orgs::{self, OrgInput};

/// Manage the organisation tree.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add an organisation (the body itself has no --parent).
    Add(AddArgs),
    /// List the organisations: code, kind, parent code, full name (tab-separated).
    List,
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// Organisation code (used in 索引号): 1-32 letters, digits, '-' or '_'.
    #[arg(long)]
    code: String,
    /// Kind: body, department, affiliated, county, association.
    #[arg(long)]
    kind: String,
    /// Standard full name.
    #[arg(long)]
    name: String,
    /// Short name [default: the full name].
    #[arg(long)]
    short_name: Option<String>,
    /// Code of the parent organisation (omit for the body itself).
    #[arg(long = "parent", value_name = "ORG_CODE")]
    parent: Option<String>,
    /// Office address.
    #[arg(long, default_value = "")]
    address: String,
    /// Telephone.
    #[arg(long, default_value = "")]
    phone: String,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    block_on(async move {
        let db = open_current(&cfg).await?;
        let result = match args.command {
            Command::Add(a) => add(&db, a).await,
            Command::List => list(&db).await,
        };
        db.close().await;
        result
    })
}

async fn add(db: &gongkai_store::Db, a: AddArgs) -> anyhow::Result<()> {
    if OrgKind::from_code(&a.kind).is_none() {
        let kinds: Vec<String> = OrgKind::ALL
            .iter()
            .map(|k| format!("{}（{}）", k.code(), k.label()))
            .collect();
        return Err(anyhow!(
            "未知的机构类型“{}”；可用的类型：{}",
            a.kind,
            kinds.join("、")
        ));
    }
    let parent_id = match &a.parent {
        Some(code) => Some(
            orgs::by_code(db, code)
                .await?
                .ok_or_else(|| anyhow!("上级机构代码“{code}”不存在（可用 gongkai org list 查看）"))?
                .id,
        ),
        None => None,
    };
    let input = OrgInput {
        parent_id,
        kind: a.kind.clone(),
        code: a.code.trim().to_string(),
        short_name: a.short_name.clone().unwrap_or_else(|| a.name.clone()),
        full_name: a.name.clone(),
        address: a.address.clone(),
        phone: a.phone.clone(),
        ..Default::default()
    };
    let mut tx = db.begin().await?;
    let org = orgs::create(&mut tx, &Actor::cli(), &input).await?;
    tx.commit().await?;
    println!(
        "已添加机构 {}（代码 {}，编号 {}）。",
        org.full_name, org.code, org.id
    );
    Ok(())
}

async fn list(db: &gongkai_store::Db) -> anyhow::Result<()> {
    let all = orgs::list(db).await?;
    for o in &all {
        let parent = o
            .parent_id
            .and_then(|p| all.iter().find(|x| x.id == p))
            .map(|p| p.code.as_str())
            .unwrap_or("-");
        println!("{}\t{}\t{}\t{}", o.code, o.kind, parent, o.full_name);
    }
    Ok(())
}
