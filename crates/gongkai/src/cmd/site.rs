//! `gongkai site add` / `gongkai site list`: the sites of a consolidated platform (政府网站集约化,
//! issue #14) from the command line, so an operator can put a new body on the platform in the
//! same way a fresh deployment gets its first body:
//!
//! ```text
//! gongkai org add --code gzl --kind body --name 公主岭市残疾人联合会
//! gongkai site add --code gongzhuling --org gzl --name 公主岭市残疾人联合会 --host www.gzl.example.gov.cn
//! gongkai user add --username gzl-admin --org gzl --role administrator --must-change-password
//! ```
//!
//! Writes go through `sites::create` with `Actor::cli()`: validated and audited like the console.

use super::ops::{GlobalArgs, block_on, open_current};
use anyhow::anyhow;
use gongkai_store::audit::Actor;
use gongkai_store::orgs;
use gongkai_store::sites::{self, SiteInput};

/// Manage the sites of a consolidated platform.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add a site over an existing top-level organisation.
    Add(AddArgs),
    /// List the sites: code, body code, host names, name (tab-separated).
    List,
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// Site code (the local-testing prefix /s/<code>/): lower-case letters, digits, '-'.
    #[arg(long)]
    code: String,
    /// Code of the site's body: a top-level organisation (see `gongkai org list`).
    #[arg(long = "org", value_name = "ORG_CODE")]
    org: String,
    /// The name shown on the site's portal [default: the body's full name].
    #[arg(long)]
    name: Option<String>,
    /// A host name of the site (repeat for several), e.g. www.example.gov.cn.
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// ICP备案号 shown in the footer.
    #[arg(long, default_value = "")]
    icp: String,
    /// 公安机关备案号 shown in the footer.
    #[arg(long, default_value = "")]
    psb: String,
    /// Footer text (one line per paragraph).
    #[arg(long, default_value = "")]
    footer: String,
    /// 索引号 template of the site's organisations without their own [default: the system's].
    #[arg(long, default_value = "")]
    index_template: String,
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
    let body = orgs::by_code(db, &a.org)
        .await?
        .ok_or_else(|| anyhow!("机构代码“{}”不存在（可用 gongkai org list 查看）", a.org))?;
    let input = SiteInput {
        code: a.code.trim().to_string(),
        root_org_id: body.id,
        name: a.name.clone().unwrap_or_else(|| body.full_name.clone()),
        footer: a.footer.replace("\\n", "\n"),
        icp_number: a.icp.clone(),
        psb_number: a.psb.clone(),
        index_template: a.index_template.clone(),
        hosts: a.hosts.clone(),
        ..Default::default()
    };
    if let Some((_, msg)) = sites::validate(&input).into_iter().next() {
        return Err(anyhow!(msg));
    }
    let mut tx = db.begin().await?;
    let site = sites::create(&mut tx, &Actor::cli(), &input).await?;
    tx.commit().await?;
    println!(
        "已添加站点 {}（代码 {}，本级机构 {}）。本地测试网址：/s/{}/；域名：{}",
        site.site.name,
        site.site.code,
        body.full_name,
        site.site.code,
        if site.hosts.is_empty() {
            "（未设置）".to_string()
        } else {
            site.hosts.join("、")
        }
    );
    Ok(())
}

async fn list(db: &gongkai_store::Db) -> anyhow::Result<()> {
    let all = orgs::list(db).await?;
    for s in sites::list_with_hosts(db).await? {
        let body = all
            .iter()
            .find(|o| o.id == s.site.root_org_id)
            .map(|o| o.code.as_str())
            .unwrap_or("-");
        let hosts = if s.hosts.is_empty() {
            "-".to_string()
        } else {
            s.hosts.join(",")
        };
        println!("{}\t{}\t{}\t{}", s.site.code, body, hosts, s.site.name);
    }
    Ok(())
}
