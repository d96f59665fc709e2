//! Being written: the `gongkai fee` subcommands (issue #3).
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
