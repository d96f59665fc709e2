//! Being written: `gongkai scan` and `gongkai mask` (issue #3).
#[derive(Debug, clap::Args)]
pub struct ScanArgs {}
#[derive(Debug, clap::Args)]
pub struct MaskArgs {}

pub fn run_scan(_args: ScanArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}

pub fn run_mask(_args: MaskArgs) -> anyhow::Result<()> {
    anyhow::bail!("not available yet")
}
