//! This instance's index and the task that keeps it in step with the database.
//!
//! # Layout
//! `<data>/search/v<SCHEMA_VERSION>/CURRENT` names the live generation directory
//! (`g<ms>`) next to it. A rebuild writes a new generation, commits it with its checkpoint,
//! then replaces `CURRENT` atomically (write + rename) and removes the old generations and
//! other schema versions. A crash mid-rebuild leaves `CURRENT` on the old generation.
//!
//! # Start-up
//! Open the generation `CURRENT` names. Rebuild instead when there is none, when it does not
//! open (corrupt), when its checkpoint names another schema version, or when it was built with
//! another dictionary. While the first index is being built the portal stays up and search
//! answers [`Unavailable::Rebuilding`] ("正在重建索引"); a rebuild that replaces a working index
//! (dictionary change) keeps serving the old one until the switch.
//!
//! # Applying the outbox
//! Every [`POLL`] (or at once when woken): read rows after the checkpoint plus the rows of open
//! gaps, reload each named document, upsert or delete it, and commit together with the new
//! checkpoint ([`SearchIndex::apply`]). A sequence number skipped in the read is a *gap*: on
//! PostgreSQL a transaction holding it may still commit, so it is re-read on every poll for
//! [`GAP_WINDOW`] (then it was a rollback). Rows are idempotent, so re-reading is safe.
//!
//! # Reporting, for pruning
//! The instance (named by `<data>/search/instance`, created once) reports the position it has
//! safely applied — the checkpoint below its oldest open gap — at most every [`REPORT_EVERY`]
//! while it advances and at least every [`HEARTBEAT`] (`gongkai_store::search::report_applied`);
//! a rebuild reports its starting head before loading. The `search.prune` job deletes what
//! every reporting instance has applied. An index whose checkpoint is below the highest pruned
//! row (an instance away longer than the retention window) is rebuilt.

use crate::doc;
use crate::index::{
    Audience, Checkpoint, IndexError, Request, Results, SCHEMA_VERSION, SearchIndex, WriterSetup,
};
use crate::{Unavailable, tokenize};
use gongkai_store::search::{self as outbox, OutboxRow};
use gongkai_store::{Db, StoreError, now_ms};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How often the outbox is polled: well inside the 2-second freshness budget of issue #8.
pub const POLL: Duration = Duration::from_millis(200);
/// How long a skipped sequence number is waited for.
pub const GAP_WINDOW: Duration = Duration::from_secs(120);
/// Outbox rows per poll.
const BATCH: i64 = 1000;
/// Documents per rebuild page.
const PAGE: i64 = 500;
/// Most open gaps remembered (the oldest are dropped first).
const MAX_GAPS: usize = 10_000;
/// Least interval between two reports of an advancing position.
pub const REPORT_EVERY: Duration = Duration::from_secs(5);
/// Most interval between two reports (the heartbeat that keeps this instance counted).
pub const HEARTBEAT: Duration = Duration::from_secs(60);

/// Progress of a rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// What the search service is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Starting,
    Rebuilding(Progress),
    Ready,
    Failed(String),
}

/// Errors of the indexer.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("索引任务中断：{0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("搜索索引文件错误：{0}")]
    Io(#[from] std::io::Error),
}

struct Live {
    index: Arc<SearchIndex>,
    checkpoint: Checkpoint,
    dir: Option<PathBuf>,
    /// When and what this instance last reported (ms, position).
    reported: Option<(i64, i64)>,
}

/// The outbox position an index at `cp` has applied entirely: its checkpoint, or just below
/// its oldest open gap (a row that may still commit and must not be pruned).
pub fn applied_position(cp: &Checkpoint) -> i64 {
    cp.gaps
        .iter()
        .map(|(s, _)| s - 1)
        .fold(cp.through, i64::min)
}

/// This instance's name: `<root>/instance`, created on first use; in memory a fresh one.
fn instance_name(root: Option<&Path>) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let fresh = || {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gongkai".into());
        format!("{host}-{}-{}-{n}", std::process::id(), now_ms())
    };
    let Some(root) = root else {
        return format!("mem-{}", fresh());
    };
    let path = root.join("instance");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim();
        if !s.is_empty() {
            return s.to_string();
        }
    }
    let name = fresh();
    let written = std::fs::create_dir_all(root).and_then(|_| {
        let tmp = root.join("instance.tmp");
        std::fs::write(&tmp, name.as_bytes())?;
        std::fs::rename(&tmp, &path)
    });
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not record the search instance name");
    }
    name
}

struct Inner {
    db: Db,
    /// `<data>/search`; `None` keeps the index in memory (tests).
    root: Option<PathBuf>,
    /// The data directory, for attachment text.
    data_dir: Option<PathBuf>,
    live: RwLock<Option<Arc<SearchIndex>>>,
    state: tokio::sync::Mutex<Option<Live>>,
    status: RwLock<Status>,
    wake: Notify,
    threads: usize,
    /// This instance's name in `search_instances`.
    instance: String,
    /// Rows this index lacks were pruned: the next poll rebuilds.
    rebuild_due: std::sync::atomic::AtomicBool,
}

/// The search service of one instance. Clones share it.
#[derive(Clone)]
pub struct Search {
    inner: Arc<Inner>,
}

fn fingerprint(terms: &[String]) -> String {
    // FNV-1a over the sorted words: stable across builds and instances.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in terms {
        for b in t.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{:016x}-{}", h, terms.len())
}

fn version_dir(root: &Path) -> PathBuf {
    root.join(format!("v{SCHEMA_VERSION}"))
}

fn read_current(root: &Path) -> Option<PathBuf> {
    let vdir = version_dir(root);
    let name = std::fs::read_to_string(vdir.join("CURRENT")).ok()?;
    let name = name.trim();
    let ok = name.starts_with('g') && name[1..].chars().all(|c| c.is_ascii_digit());
    ok.then(|| vdir.join(name))
}

fn write_current(root: &Path, gen_dir: &Path) -> std::io::Result<()> {
    let vdir = version_dir(root);
    let name = gen_dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = vdir.join("CURRENT.tmp");
    std::fs::write(&tmp, name.as_bytes())?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, vdir.join("CURRENT"))
}

/// Removes every generation but `keep` and every other schema version's directory.
fn remove_stale(root: &Path, keep: &Path) {
    let vdir = version_dir(root);
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && p != vdir {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(&vdir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && p != keep {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
}

impl Search {
    /// A search service over `db`, its index under `root` (`None`: in memory). Nothing happens
    /// until [`Search::start`] or [`Search::run`].
    pub fn new(db: Db, root: Option<PathBuf>, data_dir: Option<PathBuf>) -> Search {
        let instance = instance_name(root.as_deref());
        Search {
            inner: Arc::new(Inner {
                db,
                root,
                data_dir,
                live: RwLock::new(None),
                state: tokio::sync::Mutex::new(None),
                status: RwLock::new(Status::Starting),
                wake: Notify::new(),
                threads: 1,
                instance,
                rebuild_due: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// What the service is doing.
    pub fn status(&self) -> Status {
        self.inner
            .status
            .read()
            .map(|s| s.clone())
            .unwrap_or(Status::Failed("状态不可读".into()))
    }

    fn set_status(&self, s: Status) {
        if let Ok(mut g) = self.inner.status.write() {
            *g = s;
        }
    }

    /// Runs a search on the live index.
    pub fn search(&self, req: &Request, audience: &Audience) -> Result<Results, Unavailable> {
        let live = self.inner.live.read().ok().and_then(|g| g.clone());
        let Some(index) = live else {
            return Err(match self.status() {
                Status::Rebuilding(p) => Unavailable::Rebuilding {
                    done: p.done,
                    total: p.total,
                },
                Status::Starting => Unavailable::Rebuilding { done: 0, total: 0 },
                _ => Unavailable::Failed,
            });
        };
        index.search(req, audience).map_err(|e| {
            tracing::error!(error = %e, "search failed");
            Unavailable::Failed
        })
    }

    /// Wakes the indexer (e.g. right after a change on this instance).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Starts the indexer task: start-up (open or rebuild), then the outbox loop until `stop`.
    pub fn start(&self, stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move { me.run(stop).await })
    }

    /// The indexer: start-up, then apply the outbox until `stop` turns true.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        loop {
            match self.open_or_rebuild(|_| {}).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::error!(error = %e, "search index start-up failed; retrying");
                    self.set_status(Status::Failed(e.to_string()));
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                        _ = stop.changed() => return,
                    }
                }
            }
        }
        loop {
            if *stop.borrow() {
                return;
            }
            let wait = match self.sync_once().await {
                Ok(n) if n as i64 >= BATCH => Duration::ZERO,
                Ok(_) => POLL,
                Err(e) => {
                    tracing::error!(error = %e, "search indexer");
                    Duration::from_secs(1)
                }
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn dictionary(&self) -> Result<(Arc<jieba_rs::Jieba>, String), SearchError> {
        let terms: Vec<String> = outbox::terms(&self.inner.db)
            .await?
            .into_iter()
            .map(|t| t.term)
            .collect();
        let fp = fingerprint(&terms);
        let jieba = tokio::task::spawn_blocking(move || tokenize::segmenter(&terms)).await?;
        Ok((jieba, fp))
    }

    /// Opens this instance's index, or rebuilds it when it is missing, corrupt, of another
    /// schema version or dictionary. `progress` sees the rebuild's progress.
    pub async fn open_or_rebuild(
        &self,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<(), SearchError> {
        let (jieba, fp) = self.dictionary().await?;
        if let Some(root) = &self.inner.root
            && let Some(dir) = read_current(root)
        {
            let j = jieba.clone();
            let d = dir.clone();
            let setup = WriterSetup::live(self.inner.threads);
            let opened =
                tokio::task::spawn_blocking(move || SearchIndex::open_or_create(&d, j, setup))
                    .await?;
            match opened {
                Ok(index) => {
                    let cp = index.checkpoint()?;
                    // Rows this index has not applied were pruned (it was away longer than
                    // the retention window): it cannot catch up from the outbox.
                    let pruned = outbox::pruned_through(&self.inner.db).await?;
                    if cp.through < pruned {
                        tracing::info!(
                            checkpoint = cp.through,
                            pruned,
                            "search index older than the pruned outbox; rebuilding"
                        );
                    } else if cp.schema == SCHEMA_VERSION && cp.dictionary == fp {
                        self.install(Arc::new(index), cp, Some(dir)).await;
                        return Ok(());
                    }
                    tracing::info!(
                        "search index built with another dictionary or schema; rebuilding"
                    );
                }
                Err(e) => {
                    tracing::warn!(error = %e, "search index unreadable; rebuilding");
                }
            }
        }
        self.rebuild_with(jieba, fp, progress).await
    }

    /// Rebuilds the index from the database (`gongkai reindex`, schema or dictionary change).
    pub async fn rebuild(&self, progress: impl FnMut(Progress) + Send) -> Result<(), SearchError> {
        let (jieba, fp) = self.dictionary().await?;
        self.rebuild_with(jieba, fp, progress).await
    }

    async fn install(&self, index: Arc<SearchIndex>, checkpoint: Checkpoint, dir: Option<PathBuf>) {
        let mut state = self.inner.state.lock().await;
        *state = Some(Live {
            index: index.clone(),
            checkpoint,
            dir,
            reported: None,
        });
        if let Ok(mut g) = self.inner.live.write() {
            *g = Some(index);
        }
        self.set_status(Status::Ready);
    }

    async fn rebuild_with(
        &self,
        jieba: Arc<jieba_rs::Jieba>,
        fp: String,
        mut progress: impl FnMut(Progress) + Send,
    ) -> Result<(), SearchError> {
        let db = &self.inner.db;
        let serving = self.inner.live.read().map(|g| g.is_some()).unwrap_or(false);
        // Everything committed up to `head` is loaded below; later rows are applied after.
        // Rows at or below `head` not visible yet (PostgreSQL) are gaps from the start, so a
        // change committed while the pages are read is applied after, not lost.
        let head = outbox::outbox_head(db).await?;
        let gaps = self.recent_gaps(head).await?;
        // Hold the pruning of what this index will still apply (see `applied_position`).
        let start = Checkpoint {
            through: head,
            gaps: gaps.clone(),
            ..Checkpoint::default()
        };
        outbox::report_applied(db, &self.inner.instance, applied_position(&start)).await?;
        let total = u64::try_from(doc::count(db).await?).unwrap_or(0);
        let mut p = Progress { done: 0, total };
        if !serving {
            self.set_status(Status::Rebuilding(p));
        }
        progress(p);
        let dir = match &self.inner.root {
            Some(root) => {
                let d = version_dir(root).join(format!("g{}", now_ms()));
                Some(d)
            }
            None => None,
        };
        let j = jieba.clone();
        let d = dir.clone();
        let setup = WriterSetup::rebuild(self.inner.threads.max(2));
        let index = tokio::task::spawn_blocking(move || match d {
            Some(d) => SearchIndex::open_or_create(&d, j, setup),
            None => SearchIndex::in_ram(j),
        })
        .await??;
        let index = Arc::new(index);
        for kind in doc::SOURCES {
            let mut after = 0i64;
            loop {
                let page =
                    doc::load_page(db, self.inner.data_dir.as_deref(), kind, after, PAGE).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                let n = page.len() as u64;
                let idx = index.clone();
                tokio::task::spawn_blocking(move || idx.add_uncommitted(&page)).await??;
                p.done += n;
                if !serving {
                    self.set_status(Status::Rebuilding(p));
                }
                progress(p);
            }
        }
        let checkpoint = Checkpoint {
            through: head,
            gaps,
            schema: SCHEMA_VERSION,
            dictionary: fp,
        };
        let idx = index.clone();
        let cp = checkpoint.clone();
        tokio::task::spawn_blocking(move || {
            idx.merge_from_next_commit()?;
            idx.apply(false, &[], &[], Some(&cp))
        })
        .await??;
        if let (Some(root), Some(d)) = (&self.inner.root, &dir) {
            write_current(root, d)?;
            remove_stale(root, d);
        }
        self.install(index, checkpoint, dir).await;
        Ok(())
    }

    /// Sequence numbers at or below `head` missing from the recent outbox: transactions that may
    /// still commit (PostgreSQL hands out sequence values before commit).
    async fn recent_gaps(&self, head: i64) -> Result<Vec<(i64, i64)>, SearchError> {
        // Pruned rows are not gaps: they were applied by every instance, or expired.
        let pruned = outbox::pruned_through(&self.inner.db).await?;
        let from = (head - BATCH).max(pruned).max(0);
        let rows = outbox::outbox_after(&self.inner.db, from, BATCH).await?;
        let seen: BTreeSet<i64> = rows.iter().map(|r| r.seq).collect();
        let now = now_ms();
        Ok((from + 1..=head)
            .filter(|s| !seen.contains(s))
            .map(|s| (s, now))
            .collect())
    }

    /// One poll: applies the outbox rows after the checkpoint and any gap rows that have
    /// appeared, commits with the new checkpoint. Returns the number of new rows read.
    pub async fn sync_once(&self) -> Result<usize, SearchError> {
        if self
            .inner
            .rebuild_due
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            self.rebuild(|_| {}).await?;
            return Ok(0);
        }
        let db = &self.inner.db;
        let mut state = self.inner.state.lock().await;
        let Some(live) = state.as_mut() else {
            return Ok(0);
        };
        let cp = live.checkpoint.clone();
        let fresh = outbox::outbox_after(db, cp.through, BATCH).await?;
        let gap_seqs: Vec<i64> = cp.gaps.iter().map(|(s, _)| *s).collect();
        let filled = if gap_seqs.is_empty() {
            Vec::new()
        } else {
            outbox::outbox_rows(db, &gap_seqs).await?
        };
        let now = now_ms();
        let window = i64::try_from(GAP_WINDOW.as_millis()).unwrap_or(i64::MAX);
        let mut next = cp.clone();
        let seen: BTreeSet<i64> = fresh.iter().chain(filled.iter()).map(|r| r.seq).collect();
        next.gaps
            .retain(|(s, first)| !seen.contains(s) && now - first < window);
        if let Some(last) = fresh.last() {
            let span = last.seq - cp.through;
            if span <= 100_000 {
                for s in cp.through + 1..last.seq {
                    if !seen.contains(&s) {
                        next.gaps.push((s, now));
                    }
                }
            }
            next.through = last.seq;
        }
        if next.gaps.len() > MAX_GAPS {
            let drop = next.gaps.len() - MAX_GAPS;
            next.gaps.drain(..drop);
        }
        if next == cp {
            self.report(live, false).await?;
            return Ok(0);
        }
        let rows: Vec<&OutboxRow> = filled.iter().chain(fresh.iter()).collect();
        if rows.iter().any(|r| r.kind == outbox::KIND_TERMS) {
            // The dictionary changed: rebuild with it (the old index serves meanwhile).
            drop(state);
            self.rebuild(|_| {}).await?;
            return Ok(fresh.len());
        }
        let mut targets: Vec<(String, i64)> =
            rows.iter().map(|r| (r.kind.clone(), r.doc_id)).collect();
        targets.sort();
        targets.dedup();
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        for (kind, id) in targets {
            match doc::load(db, self.inner.data_dir.as_deref(), &kind, id).await? {
                Some(d) => upserts.push(d),
                None => deletes.push(doc::key(&kind, id)),
            }
        }
        let idx = live.index.clone();
        let cp2 = next.clone();
        tokio::task::spawn_blocking(move || idx.apply(false, &upserts, &deletes, Some(&cp2)))
            .await??;
        live.checkpoint = next;
        self.report(live, true).await?;
        Ok(fresh.len())
    }

    /// Reports the applied position when it `advanced` (at most every [`REPORT_EVERY`]) or
    /// when the [`HEARTBEAT`] is due; then, when rows this index still lacks were pruned
    /// meanwhile (it stopped reporting for longer than the retention window), rebuilds it.
    async fn report(&self, live: &mut Live, advanced: bool) -> Result<(), SearchError> {
        let now = now_ms();
        let position = applied_position(&live.checkpoint);
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let due = match live.reported {
            None => true,
            Some((at, pos)) => {
                now - at >= ms(HEARTBEAT)
                    || (advanced && pos != position && now - at >= ms(REPORT_EVERY))
            }
        };
        if !due {
            return Ok(());
        }
        let db = &self.inner.db;
        outbox::report_applied(db, &self.inner.instance, position).await?;
        live.reported = Some((now, position));
        let pruned = outbox::pruned_through(db).await?;
        if live.checkpoint.through < pruned {
            tracing::warn!(
                checkpoint = live.checkpoint.through,
                pruned,
                "outbox rows this index lacks were pruned; rebuilding"
            );
            live.reported = None;
            // Rebuilding replaces `live` (the old index serves meanwhile); the caller holds
            // the state lock, so the rebuild is started after it is released.
            self.inner
                .rebuild_due
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// Reports this instance's applied position now, and schedules a rebuild when rows it
    /// lacks were pruned (the next [`Search::sync_once`] does it). The indexer task reports on
    /// its own; this is for tools and tests.
    pub async fn report_now(&self) -> Result<(), SearchError> {
        let mut state = self.inner.state.lock().await;
        if let Some(live) = state.as_mut() {
            live.reported = None;
            self.report(live, false).await?;
        }
        Ok(())
    }

    /// This instance's name in `search_instances`.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The checkpoint the live index stands at.
    pub async fn checkpoint(&self) -> Option<Checkpoint> {
        self.inner
            .state
            .lock()
            .await
            .as_ref()
            .map(|l| l.checkpoint.clone())
    }

    /// Documents in the live index.
    pub fn num_docs(&self) -> u64 {
        self.inner
            .live
            .read()
            .ok()
            .and_then(|g| g.as_ref().map(|i| i.num_docs()))
            .unwrap_or(0)
    }

    /// Stops serving the index and waits for its background merges (`gongkai reindex`, so
    /// that the index it leaves is merged: the process exits next). Without waiting if a
    /// search still holds the index.
    pub async fn close(&self) -> Result<(), SearchError> {
        let live = self.inner.state.lock().await.take();
        if let Ok(mut g) = self.inner.live.write() {
            *g = None;
        }
        if let Some(index) = live.and_then(|l| Arc::into_inner(l.index)) {
            tokio::task::spawn_blocking(move || index.wait_for_merges()).await??;
        }
        Ok(())
    }

    /// The directory of the live generation (none in memory).
    pub async fn live_dir(&self) -> Option<PathBuf> {
        self.inner
            .state
            .lock()
            .await
            .as_ref()
            .and_then(|l| l.dir.clone())
    }
}
