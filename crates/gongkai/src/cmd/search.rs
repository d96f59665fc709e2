//! `gongkai reindex`: rebuilds this instance's search index from the database (issue #8), with a
//! progress bar on standard error (documents, documents/s, ETA). The new index is written next
//! to the old one and switched in atomically at the end; a running `serve` with the same data
//! folder keeps its index open and takes the new one at its next start (every instance keeps its
//! own index; `serve` also rebuilds by itself when the schema or dictionary changed).

use super::ops::{GlobalArgs, block_on, open_current};
use gongkai_search::{Progress, Search};
use std::time::Instant;

/// Options of `gongkai reindex`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// No progress bar (for scripts); the summary line is still printed.
    #[arg(long)]
    pub quiet: bool,
}

/// `<data>/search`: where `serve` and `reindex` keep the index.
pub fn index_root(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("search")
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    block_on(async {
        let db = open_current(&cfg).await?;
        let search = Search::new(
            db.clone(),
            Some(index_root(&cfg.data_dir)),
            Some(cfg.data_dir.clone()),
        );
        let started = Instant::now();
        let quiet = args.quiet;
        let mut last = Progress::default();
        search
            .rebuild(|p| {
                last = p;
                super::progress::draw(quiet, p.done, p.total, started, "篇");
            })
            .await?;
        if !quiet {
            eprintln!();
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "搜索索引已重建：{} 篇，用时 {:.1} 秒（{:.0} 篇/秒），索引目录 {}",
            search.num_docs(),
            secs,
            last.done as f64 / secs.max(0.001),
            search
                .live_dir()
                .await
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        );
        // The index is complete and searchable; its segments merge before the process exits.
        let merging = Instant::now();
        search.close().await?;
        println!(
            "索引段已合并：用时 {:.1} 秒",
            merging.elapsed().as_secs_f64()
        );
        db.close().await;
        Ok(())
    })
}
