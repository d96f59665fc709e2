//! Gongkai full-text search (issue #8; design in tech-choices §1.4; REG §1.4 Art. 24 requires
//! 检索、查阅、下载).
//!
//! - [`tokenize`]: the substring analyzer (characters with unigrams and bigrams, phrase queries:
//!   exact-substring recall, single characters included) and the jieba word analyzer (BM25
//!   ranking, administrators' dictionary).
//! - [`doc`]: the document model; each kind (items and interpretations, mailbox answers;
//!   for staff mailbox messages and applications) plugs in with one loader.
//! - [`index`]: the tantivy schema, writes committed atomically with the outbox checkpoint, and
//!   queries with the permission clause inside the query.
//! - [`snippet`]: highlighting with merged spans and excerpts.
//! - [`indexer`]: this instance's index directory, start-up (open, or rebuild when missing,
//!   corrupt, of another schema version or dictionary) and the task that applies the outbox.
//!
//! [`Search`] is the handle the web layer holds: cheap to clone, answers "正在重建索引" while
//! the index is being built, never blocks the portal.

mod collect;
pub mod corpus;
pub mod doc;
mod either;
pub mod index;
pub mod indexer;
pub mod snippet;
pub mod tokenize;

pub use index::{
    Audience, Checkpoint, Hit, Request, Results, SCHEMA_VERSION, SearchIndex, Sort, WriterSetup,
};
pub use indexer::{Progress, Search, Status};

/// Why a search could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error("正在重建搜索索引（已完成 {done}/{total}），请稍后再试。")]
    Rebuilding { done: u64, total: u64 },
    #[error("搜索服务暂时不可用，请稍后再试。")]
    Failed,
}
