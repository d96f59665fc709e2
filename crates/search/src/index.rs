//! The tantivy index: schema, writing with an atomic checkpoint, and querying.
//!
//! One writer per index directory (tantivy #2408): only this instance's indexer task writes
//! it, through [`SearchIndex::apply`]; readers reload manually after each commit
//! (`ReloadPolicy::Manual`, so a search right after `apply` sees the change).
//!
//! The checkpoint (the outbox position the index reflects, [`Checkpoint`]) is the commit
//! payload, written by `prepare_commit().set_payload()` in the same commit as the documents, so
//! after a crash index and checkpoint always agree.

use crate::collect::{
    FilterCheck, Ranking, TopK, count_matches, read_matches, score_docs, should_terms,
};
use crate::doc::Doc;
use crate::tokenize::{self, CJK, UNIGRAMS, WORDS};
use serde::{Deserialize, Serialize};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::query::{
    BooleanQuery, EmptyQuery, EnableScoring, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher,
    TantivyDocument, Term,
};

/// Version of the schema and analyzers. An index directory is named after it
/// (`<data>/search/v<N>`); changing it makes every instance rebuild on start-up.
pub const SCHEMA_VERSION: u32 = 3;

/// How an index's writer is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterSetup {
    /// Indexing threads.
    pub threads: usize,
    /// Memory budget in bytes, split over the threads; a thread writes a segment when its
    /// share is full.
    pub heap: usize,
    /// Whether segments are merged in the background as they are written (tantivy's log merge
    /// policy). Off, they stay as written.
    pub merge: bool,
}

impl WriterSetup {
    /// The serving instance's writer: small commits, kept merged.
    pub fn live(threads: usize) -> Self {
        WriterSetup {
            threads: threads.max(1),
            heap: 64 * 1024 * 1024,
            merge: true,
        }
    }

    /// A rebuild's writer (`gongkai reindex`, a new schema or dictionary): a larger budget and
    /// no merging while the bulk load streams in, so that the index is searchable sooner; the
    /// rebuild's commit then starts the merges ([`SearchIndex::merge_from_next_commit`]), which
    /// run in the background while it serves. The arenas fill up to the budget only while a
    /// rebuild streams documents in; a live commit holds a few.
    pub fn rebuild(threads: usize) -> Self {
        WriterSetup {
            heap: 256 * 1024 * 1024,
            merge: false,
            ..WriterSetup::live(threads)
        }
    }
}

/// Errors of the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("搜索索引错误：{0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("搜索索引目录错误：{0}")]
    Dir(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("搜索索引文件错误：{0}")]
    Io(#[from] std::io::Error),
    #[error("搜索索引检查点无法读取：{0}")]
    Checkpoint(#[from] serde_json::Error),
    #[error("搜索索引写入器不可用")]
    Poisoned,
}

/// Where the index stands in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Every outbox row up to here is applied, except `gaps`.
    pub through: i64,
    /// Sequence numbers below `through` not seen yet, with when they were first missed (ms): a
    /// PostgreSQL transaction may still commit them (tech-choices §1.4).
    pub gaps: Vec<(i64, i64)>,
    /// Schema version that wrote the index.
    pub schema: u32,
    /// Fingerprint of the segmenter dictionary the word fields were built with.
    pub dictionary: String,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    org: Field,
    public: Field,
    visible_from: Field,
    date: Field,
    year: Field,
    category: Field,
    topic: Field,
    genre: Field,
    validity: Field,
    state: Field,
    title: Field,
    text: Field,
    title_cjk: Field,
    text_cjk: Field,
    title_ws: Field,
    title_uni: Field,
    text_uni: Field,
    meta: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let cjk = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(CJK)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let ws = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let uni = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(UNIGRAMS)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let f = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", STRING | FAST),
        id: b.add_i64_field("id", INDEXED | FAST),
        org: b.add_i64_field("org", INDEXED | FAST),
        public: b.add_u64_field("public", INDEXED | FAST),
        visible_from: b.add_i64_field("visible_from", INDEXED | FAST),
        date: b.add_i64_field("date", INDEXED | FAST),
        year: b.add_i64_field("year", INDEXED | FAST),
        category: b.add_text_field("category", STRING | FAST),
        topic: b.add_text_field("topic", STRING | FAST),
        genre: b.add_text_field("genre", STRING | FAST),
        validity: b.add_text_field("validity", STRING | FAST),
        state: b.add_text_field("state", STRING | FAST),
        title: b.add_text_field("title", STORED),
        text: b.add_text_field("text", STORED),
        title_cjk: b.add_text_field("title_cjk", cjk.clone()),
        text_cjk: b.add_text_field("text_cjk", cjk),
        title_ws: b.add_text_field("title_ws", ws),
        title_uni: b.add_text_field("title_uni", uni.clone()),
        text_uni: b.add_text_field("text_uni", uni),
        meta: b.add_text_field("meta", STORED),
    };
    (b.build(), f)
}

/// Who is searching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The public: public documents whose publication time has come, nothing else.
    Public { now_ms: i64 },
    /// Staff: public documents as above, plus the unpublished items of the organisations in
    /// `orgs` (the user's item scope, expanded to every organisation inside it), plus, for
    /// each `(kind, orgs)` of `records`, the staff-only documents of that kind (mailbox
    /// messages, applications) of those organisations.
    Staff {
        now_ms: i64,
        orgs: Vec<i64>,
        records: Vec<(String, Vec<i64>)>,
    },
}

/// Sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

/// A search request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The query box, as typed; whitespace separates parts that must all occur.
    pub q: String,
    pub kind: Option<String>,
    pub category: Option<String>,
    /// Publishing organisations (an organisation and everything inside it).
    pub orgs: Option<Vec<i64>>,
    pub year: Option<i64>,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub validity: Option<String>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub kind: String,
    pub id: i64,
    pub title: String,
    /// The title split into (text, highlighted) pieces.
    pub title_parts: Vec<(String, bool)>,
    /// An excerpt around the best match, as (text, highlighted) pieces.
    pub snippet: Vec<(String, bool)>,
    pub url: String,
    pub staff_url: String,
    pub date: String,
    pub reference: String,
    pub publisher: String,
    pub state: String,
    pub validity: String,
    pub public: bool,
    pub score: f32,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// How many documents match: exact when `exact`, otherwise an estimate rounded to two
    /// significant figures (more than [`COUNT_CAP`] match; the page says 约).
    pub total: usize,
    pub exact: bool,
    pub hits: Vec<Hit>,
}

impl Default for Results {
    fn default() -> Self {
        Results {
            total: 0,
            exact: true,
            hits: Vec::new(),
        }
    }
}

/// With more than [`COUNT_CAP`] matches, this many more than asked for (at least) are taken by
/// the cover terms and rescored in full.
pub const RERANK_POOL: usize = 90;

/// With up to this many times [`COUNT_CAP`] matches by the estimate, every match is read and the
/// count is exact.
const READ_ALL_UP_TO: usize = 4;

/// Seeds read per hit wanted (see the many-matches path of [`SearchIndex::search`]).
const SEEDS_PER_HIT: usize = 10;

/// Matches are counted exactly up to this many; beyond it the total is estimated and the top
/// hits come from WAND pruning (see [`SearchIndex::search`]).
pub const COUNT_CAP: usize = 500;

/// Stored display fields not needed for querying.
#[derive(Serialize, Deserialize, Default)]
struct Meta {
    kind: String,
    id: i64,
    url: String,
    staff_url: String,
    date: String,
    reference: String,
    publisher: String,
    state: String,
    validity: String,
    public: bool,
}

/// The parts of a query box: whitespace-separated, each with something searchable.
pub fn parts(q: &str) -> Vec<String> {
    q.split_whitespace()
        .filter(|p| !tokenize::query_terms(p).is_empty())
        .map(|p| p.chars().map(tokenize::fold).collect())
        .collect()
}

/// A tantivy index with its analyzers, one writer and a manually reloaded reader.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    jieba: Arc<jieba_rs::Jieba>,
}

impl SearchIndex {
    fn wrap(
        index: Index,
        jieba: Arc<jieba_rs::Jieba>,
        setup: WriterSetup,
    ) -> Result<Self, IndexError> {
        let (_, f) = schema();
        tokenize::register(&index, &jieba);
        let writer: IndexWriter =
            index.writer_with_num_threads(setup.threads.max(1), setup.heap)?;
        if !setup.merge {
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
            jieba,
        })
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_ram(jieba: Arc<jieba_rs::Jieba>) -> Result<Self, IndexError> {
        let (schema, _) = schema();
        Self::wrap(Index::create_in_ram(schema), jieba, WriterSetup::live(1))
    }

    /// Opens the index in `dir`, or creates an empty one there. Fails on a corrupt index or
    /// one written with another schema: the caller rebuilds.
    pub fn open_or_create(
        dir: &Path,
        jieba: Arc<jieba_rs::Jieba>,
        setup: WriterSetup,
    ) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let (schema, _) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(mmap, schema)?;
        let s = Self::wrap(index, jieba, setup)?;
        // Read the metas now so that a broken file shows here, not in the first search.
        s.checkpoint()?;
        s.reader.searcher().num_docs();
        Ok(s)
    }

    /// Ends a bulk load written without merging ([`WriterSetup::rebuild`]): from the next
    /// commit on, the writer merges segments in the background (tantivy's log merge policy, as
    /// a live writer), starting with the bulk load's. Call it before the load's commit: a
    /// commit is when the writer looks for merges.
    pub fn merge_from_next_commit(&self) -> Result<(), IndexError> {
        let w = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        w.set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
        Ok(())
    }

    /// Closes the index once its background merges have finished (`gongkai reindex` before it
    /// exits; benchmarks: the size and the segments an index settles at).
    pub fn wait_for_merges(self) -> Result<(), IndexError> {
        let writer = self.writer.into_inner().map_err(|_| IndexError::Poisoned)?;
        writer.wait_merging_threads()?;
        Ok(())
    }

    /// The segmenter the word fields use.
    pub fn jieba(&self) -> &Arc<jieba_rs::Jieba> {
        &self.jieba
    }

    /// The checkpoint of the last commit (default for a new index).
    pub fn checkpoint(&self) -> Result<Checkpoint, IndexError> {
        let metas = self.index.load_metas()?;
        Ok(match metas.payload {
            Some(p) if !p.is_empty() => serde_json::from_str(&p)?,
            _ => Checkpoint::default(),
        })
    }

    /// Number of documents in the committed index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Number of segments in the committed index.
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    fn to_tantivy(&self, d: &Doc) -> TantivyDocument {
        let f = self.f;
        let mut t = TantivyDocument::default();
        t.add_text(f.key, d.key());
        t.add_text(f.kind, &d.kind);
        if !d.subkind.is_empty() {
            t.add_text(f.kind, &d.subkind);
        }
        t.add_i64(f.id, d.id);
        t.add_i64(f.org, d.org_id);
        t.add_u64(f.public, u64::from(d.public));
        t.add_i64(f.visible_from, d.visible_from);
        t.add_i64(f.date, d.date);
        t.add_i64(f.year, d.year);
        t.add_text(f.category, &d.category);
        t.add_text(f.topic, &d.topic);
        t.add_text(f.genre, &d.genre);
        t.add_text(f.validity, &d.validity);
        t.add_text(f.state, &d.state);
        t.add_text(f.title, &d.title);
        t.add_text(f.text, &d.text);
        t.add_text(f.title_cjk, &d.title);
        t.add_text(f.text_cjk, &d.text);
        t.add_text(f.title_ws, &d.title);
        t.add_text(f.title_uni, &d.title);
        t.add_text(f.text_uni, &d.text);
        let meta = Meta {
            kind: if d.subkind.is_empty() {
                d.kind.clone()
            } else {
                d.subkind.clone()
            },
            id: d.id,
            url: d.url.clone(),
            staff_url: d.staff_url.clone(),
            date: d.date_label.clone(),
            reference: d.reference.clone(),
            publisher: d.publisher.clone(),
            state: d.state.clone(),
            validity: d.validity.clone(),
            public: d.public,
        };
        t.add_text(f.meta, serde_json::to_string(&meta).unwrap_or_default());
        t
    }

    /// Applies changes and commits them together with `checkpoint`, then reloads the reader.
    /// `upserts` replace the documents with their keys; `deletes` are keys to remove.
    /// `clear` empties the index first (a rebuild).
    pub fn apply(
        &self,
        clear: bool,
        upserts: &[Doc],
        deletes: &[String],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), IndexError> {
        let mut w = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        if clear {
            w.delete_all_documents()?;
        }
        for k in deletes {
            w.delete_term(Term::from_field_text(self.f.key, k));
        }
        for d in upserts {
            if !clear {
                w.delete_term(Term::from_field_text(self.f.key, &d.key()));
            }
            w.add_document(self.to_tantivy(d))?;
        }
        if let Some(cp) = checkpoint {
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&serde_json::to_string(cp)?);
            prepared.commit()?;
            drop(w);
            self.reader.reload()?;
        }
        Ok(())
    }

    /// Adds documents without committing (a rebuild commits once at the end via [`apply`]).
    pub fn add_uncommitted(&self, docs: &[Doc]) -> Result<(), IndexError> {
        let w = self.writer.lock().map_err(|_| IndexError::Poisoned)?;
        for d in docs {
            w.add_document(self.to_tantivy(d))?;
        }
        Ok(())
    }

    /// The field pair (title, text) that answers `part`, with its terms: the unigram fields for
    /// one character (every character's unigram is there), otherwise the substring fields.
    fn fields_for(&self, part: &str) -> ((Field, Field), Vec<(usize, String)>) {
        let terms = tokenize::phrase_terms(part);
        if matches!(&terms[..], [(_, t)] if tokenize::is_unigram(t)) {
            ((self.f.title_uni, self.f.text_uni), terms)
        } else {
            ((self.f.title_cjk, self.f.text_cjk), terms)
        }
    }

    /// The exact-substring query of one part, on the title or on the text.
    fn phrase(&self, title: bool, part: &str) -> Box<dyn Query> {
        let ((t, x), terms) = self.fields_for(part);
        let field = if title { t } else { x };
        if terms.len() == 1 {
            Box::new(TermQuery::new(
                Term::from_field_text(field, &terms[0].1),
                IndexRecordOption::WithFreqs,
            ))
        } else {
            Box::new(PhraseQuery::new_with_offset(
                terms
                    .iter()
                    .map(|(o, t)| (*o, Term::from_field_text(field, t)))
                    .collect(),
            ))
        }
    }

    /// Recall: the part occurs in the title or the text (exact substring); with `title_only`,
    /// in the title.
    fn part_query(&self, part: &str, title_only: bool) -> Box<dyn Query> {
        if title_only {
            return self.phrase(true, part);
        }
        Box::new(crate::either::EitherQuery(
            self.phrase(true, part),
            self.phrase(false, part),
        ))
    }

    /// The ranking, as two flat unions of term queries (so that tantivy can prune them with
    /// block-max WAND):
    /// - `cover`: for each part, its rarest substring term (title ×3, text). Every match of a
    ///   part holds all of the part's substring terms in its title or its text, so every match
    ///   of the filter has a positive score here;
    /// - `full`: `cover` plus, for each of the parts' jieba words, the word in the title's word
    ///   field (×2) and the word's rarest substring term in the text, for word-level BM25.
    ///   This is the score shown and sorted by.
    ///
    /// The text has no word field: a word's rarest substring term counts about as often as the
    /// word (for a two-character word, exactly as often as it occurs), over the whole text, and
    /// segmenting and indexing every text's words was 30 % of the indexing time
    /// (bench/RESULTS.md).
    fn ranking(&self, searcher: &Searcher, parts: &[String]) -> Option<Ranking> {
        let f = self.f;
        // A piece of text's substring fields (title, text) and its rarest term in the text.
        let rarest = |piece: &str| {
            let ((title, text), terms) = self.fields_for(piece);
            terms
                .into_iter()
                .map(|(_, t)| {
                    let df = searcher
                        .doc_freq(&Term::from_field_text(text, &t))
                        .unwrap_or(0);
                    (df, t)
                })
                .min()
                .map(|(_, t)| (title, text, t))
        };
        let mut cover: std::collections::BTreeSet<_> = Default::default();
        let mut words: std::collections::BTreeSet<_> = Default::default();
        for p in parts {
            if let Some((title, text, t)) = rarest(p) {
                cover.insert(((title, t.clone()), (text, t)));
            }
            for w in tokenize::words(&self.jieba, p) {
                if let Some((_, text, t)) = rarest(&w.text) {
                    words.insert(((f.title_ws, w.text), (text, t)));
                }
            }
        }
        if cover.is_empty() {
            return None;
        }
        let cover = should_terms(&cover, 3.0);
        let mut full: Vec<_> = cover.iter().map(|(o, q)| (*o, q.box_clone())).collect();
        full.extend(should_terms(&words, 2.0));
        Some(Ranking { cover, full })
    }

    fn public_clause(&self, now_ms: i64) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(self.f.public, 1),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            // A scheduled item is not found before its publication time (REG §4.2).
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Included(Term::from_field_i64(self.f.visible_from, now_ms)),
                )),
            ),
        ]))
    }

    /// The whole query: the parts (all must occur), the ranking terms, the filters and the
    /// audience's permission clause — permissions are part of the query, never a filter over
    /// a page of results, so counts and snippets can only come from permitted documents.
    pub fn build_query(&self, req: &Request, audience: &Audience) -> Box<dyn Query> {
        self.filter_query(req, audience, false)
    }

    /// [`Self::build_query`]; with `title_only`, every part must be in the title.
    fn filter_query(&self, req: &Request, audience: &Audience, title_only: bool) -> Box<dyn Query> {
        let parts = parts(&req.q);
        if parts.is_empty() {
            // Nothing to search for: no results (the page asks for a query).
            return Box::new(EmptyQuery);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in &parts {
            clauses.push((Occur::Must, self.part_query(p, title_only)));
        }
        clauses.push((Occur::Must, self.conditions(req, audience)));
        Box::new(BooleanQuery::new(clauses))
    }

    /// Everything the filter asks besides the parts: the filters and the audience's permission.
    fn conditions(&self, req: &Request, audience: &Audience) -> Box<dyn Query> {
        let f = self.f;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text_eq = |field: Field, v: &Option<String>| -> Option<Box<dyn Query>> {
            v.as_deref().filter(|v| !v.is_empty()).map(|v| {
                Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>
            })
        };
        for q in [
            text_eq(f.kind, &req.kind),
            text_eq(f.category, &req.category),
            text_eq(f.topic, &req.topic),
            text_eq(f.genre, &req.genre),
            text_eq(f.validity, &req.validity),
        ]
        .into_iter()
        .flatten()
        {
            clauses.push((Occur::Must, q));
        }
        if let Some(orgs) = &req.orgs {
            clauses.push((
                Occur::Must,
                Box::new(TermSetQuery::new(
                    orgs.iter().map(|o| Term::from_field_i64(f.org, *o)),
                )),
            ));
        }
        if let Some(year) = req.year {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_i64(f.year, year),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let permission: Box<dyn Query> = match audience {
            Audience::Public { now_ms } => self.public_clause(*now_ms),
            Audience::Staff {
                now_ms,
                orgs,
                records,
            } => {
                let mut any: Vec<(Occur, Box<dyn Query>)> =
                    vec![(Occur::Should, self.public_clause(*now_ms))];
                // Each scope is tied to its kind: an item scope never opens messages or
                // applications of the same organisation, nor the other way round.
                let scoped = std::iter::once((crate::doc::ITEM_SCOPE, orgs))
                    .chain(records.iter().map(|(k, o)| (k.as_str(), o)));
                for (kind, orgs) in scoped {
                    if orgs.is_empty() {
                        continue;
                    }
                    any.push((
                        Occur::Should,
                        Box::new(BooleanQuery::new(vec![
                            (
                                Occur::Must,
                                Box::new(TermQuery::new(
                                    Term::from_field_text(f.kind, kind),
                                    IndexRecordOption::Basic,
                                )) as Box<dyn Query>,
                            ),
                            (
                                Occur::Must,
                                Box::new(TermSetQuery::new(
                                    orgs.iter().map(|o| Term::from_field_i64(f.org, *o)),
                                )),
                            ),
                        ])),
                    ));
                }
                Box::new(BooleanQuery::new(any))
            }
        };
        clauses.push((Occur::Must, permission));
        Box::new(BooleanQuery::new(clauses))
    }

    /// The ids of every matching document (tests and tools; the pages use [`Self::search`]).
    pub fn matching_ids(
        &self,
        req: &Request,
        audience: &Audience,
    ) -> Result<std::collections::BTreeSet<i64>, IndexError> {
        let query = self.build_query(req, audience);
        let searcher = self.reader.searcher();
        let addrs = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        let mut out = std::collections::BTreeSet::new();
        for a in addrs {
            let doc: TantivyDocument = searcher.doc(a)?;
            let id = doc
                .get_first(self.f.key)
                .and_then(|v| v.as_str())
                .and_then(|k| k.rsplit(':').next())
                .and_then(|n| n.parse().ok());
            if let Some(id) = id {
                out.insert(id);
            }
        }
        Ok(out)
    }

    /// The `k` newest of `docs` (per segment), newest first.
    fn newest(
        &self,
        searcher: &Searcher,
        docs: &[Vec<DocId>],
        k: usize,
    ) -> Result<Vec<(Score, DocAddress)>, IndexError> {
        let mut all = self.dated(searcher, docs)?;
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        all.truncate(k);
        Ok(all.into_iter().map(|(_, a)| (0.0, a)).collect())
    }

    /// The `k`-th newest date of `docs` (which hold at least `k`; the oldest date otherwise).
    fn kth_newest_date(
        &self,
        searcher: &Searcher,
        docs: &[Vec<DocId>],
        k: usize,
    ) -> Result<i64, IndexError> {
        let mut dates: Vec<i64> = self
            .dated(searcher, docs)?
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        dates.sort_unstable_by(|a, b| b.cmp(a));
        Ok(dates
            .get(k.saturating_sub(1))
            .or(dates.last())
            .copied()
            .unwrap_or(i64::MIN))
    }

    fn dated(
        &self,
        searcher: &Searcher,
        docs: &[Vec<DocId>],
    ) -> Result<Vec<(i64, DocAddress)>, IndexError> {
        let mut out = Vec::new();
        for (seg, docs) in docs.iter().enumerate() {
            if docs.is_empty() {
                continue;
            }
            let dates = searcher
                .segment_reader(seg as u32)
                .fast_fields()
                .i64("date")?;
            for &d in docs {
                out.push((
                    dates.first(d).unwrap_or(i64::MIN),
                    DocAddress::new(seg as u32, d),
                ));
            }
        }
        Ok(out)
    }

    /// Runs a search.
    ///
    /// The work is bounded however common the words are (issue #8: p99 < 20 ms warm at
    /// 1,000,000 documents). Which documents match is decided by the filter alone (every part
    /// as a substring, the filters, the audience); the order by [`Self::ranking`]. Then:
    /// - the filter's matches are counted up to [`COUNT_CAP`]. If that is all of them, the
    ///   count is exact and every match is scored by the full ranking;
    /// - otherwise the total is an estimate from the share of the index read (`exact: false`,
    ///   shown as 约…), block-max WAND over the cover terms finds the best `k + RERANK_POOL`
    ///   matches by those terms (each candidate checked against the filter, and only documents
    ///   that could still enter are looked at), and those are rescored by the full ranking.
    ///
    /// Both paths are tested against tantivy's exhaustive collector
    /// (`tests::pruned_ranking_equals_exhaustive_scoring`); newest-first against sorting every
    /// match.
    pub fn search(&self, req: &Request, audience: &Audience) -> Result<Results, IndexError> {
        self.search_capped(req, audience, COUNT_CAP)
    }

    pub(crate) fn search_capped(
        &self,
        req: &Request,
        audience: &Audience,
        cap: usize,
    ) -> Result<Results, IndexError> {
        let parts = parts(&req.q);
        let searcher = self.reader.searcher();
        let filter = self.build_query(req, audience);
        let Some(ranking) = self.ranking(&searcher, &parts) else {
            return Ok(Results::default());
        };
        let limit = req.limit.clamp(1, 100);
        let k = req.offset.saturating_add(limit);
        let filter_w = filter.weight(EnableScoring::disabled_from_searcher(&searcher))?;
        let full_w = Ranking::weights(&ranking.full, &searcher)?;
        let mut counted = count_matches(&searcher, filter_w.as_ref(), cap.max(k))?;
        if !counted.exhausted && counted.total <= cap.saturating_mul(READ_ALL_UP_TO) {
            // Not many more by the estimate: reading them all is cheaper than pruning, which
            // would look at the cover terms' documents that fail the filter.
            counted = read_matches(&searcher, filter_w.as_ref(), usize::MAX, counted)?;
        }
        let ranked: Vec<(f32, DocAddress)> = match (req.sort, counted.exhausted) {
            // Few matches: score exactly those.
            (Sort::Relevance, true) => score_docs(&searcher, &full_w, &counted.seen, k)?,
            (Sort::Relevance, false) => {
                // Many matches. First the best `pool` by the cover terms alone, from WAND over
                // them with the filter checked per candidate; then those rescored in full.
                let pool = k.saturating_mul(2).max(k + RERANK_POOL);
                let cover_w = Ranking::union(&ranking.cover)
                    .weight(EnableScoring::enabled_from_searcher(&searcher))?;
                // Seeds: matches with every part in the title. They score high, so WAND
                // starts from a high threshold and skips the stretches where only the text
                // has the terms. Any verified matches give a valid threshold, so the result
                // is the same as without seeds.
                let seed_w = self
                    .filter_query(req, audience, true)
                    .weight(EnableScoring::disabled_from_searcher(&searcher))?;
                let seeds = count_matches(&searcher, seed_w.as_ref(), pool * SEEDS_PER_HIT)?;
                let mut top = TopK::new(pool);
                for (score, a) in score_docs(
                    &searcher,
                    &Ranking::weights(&ranking.cover, &searcher)?,
                    &seeds.seen,
                    pool,
                )? {
                    top.push(score, a);
                }
                let mut threshold = top.threshold();
                let check = FilterCheck::new(
                    &searcher,
                    parts
                        .iter()
                        .map(|p| (self.phrase(true, p), self.phrase(false, p)))
                        .collect(),
                    self.conditions(req, audience),
                )?;
                for (seg, reader) in searcher.segment_readers().iter().enumerate() {
                    let mut filter = check.scorers(reader)?;
                    let alive = reader.alive_bitset();
                    let seeded = &seeds.seen[seg];
                    let mut next_seed = 0usize;
                    cover_w.for_each_pruning(threshold, reader, &mut |d, score| {
                        if alive.is_some_and(|a| a.is_deleted(d)) {
                            return threshold;
                        }
                        while seeded.get(next_seed).is_some_and(|&s| s < d) {
                            next_seed += 1;
                        }
                        if seeded.get(next_seed) == Some(&d) {
                            return threshold;
                        }
                        if filter.matches(d) {
                            top.push(score, DocAddress::new(seg as u32, d));
                            threshold = top.threshold();
                        }
                        threshold
                    })?;
                }
                let mut docs = vec![Vec::new(); searcher.segment_readers().len()];
                for (_, a) in top.into_sorted() {
                    docs[a.segment_ord as usize].push(a.doc_id);
                }
                docs.iter_mut().for_each(|d| d.sort_unstable());
                score_docs(&searcher, &full_w, &docs, k)?
            }
            (Sort::Newest, true) => self.newest(&searcher, &counted.seen, k)?,
            (Sort::Newest, false) => {
                // Many matches: the k-th newest date among those counted bounds the answer from
                // below (at least k matches are that new), so only matches at least that new
                // are read.
                let since = self.kth_newest_date(&searcher, &counted.seen, k)?;
                let bounded = BooleanQuery::new(vec![
                    (Occur::Must, filter.box_clone()),
                    (
                        Occur::Must,
                        Box::new(RangeQuery::new(
                            Bound::Included(Term::from_field_i64(self.f.date, since)),
                            Bound::Unbounded,
                        )),
                    ),
                ]);
                let w = bounded.weight(EnableScoring::disabled_from_searcher(&searcher))?;
                let recent = count_matches(&searcher, w.as_ref(), usize::MAX)?;
                self.newest(&searcher, &recent.seen, k)?
            }
        };
        let addrs: Vec<(f32, DocAddress)> = ranked.into_iter().skip(req.offset).collect();
        let (total, exact) = (counted.total, counted.exhausted);
        let mut hits = Vec::with_capacity(addrs.len());
        for (score, addr) in addrs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let get = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let meta: Meta = serde_json::from_str(&get(self.f.meta)).unwrap_or_default();
            let title = get(self.f.title);
            let text = get(self.f.text);
            hits.push(Hit {
                kind: meta.kind,
                id: meta.id,
                title_parts: crate::snippet::highlight(&title, &parts),
                title,
                snippet: crate::snippet::snippet(&text, &parts, 120),
                url: meta.url,
                staff_url: meta.staff_url,
                date: meta.date,
                reference: meta.reference,
                publisher: meta.publisher,
                state: meta.state,
                validity: meta.validity,
                public: meta.public,
                score,
            });
        }
        Ok(Results { total, exact, hits })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
    use super::*;
    use crate::corpus::{self, Rng};
    use tantivy::collector::TopDocs;
    use tantivy::query::ConstScoreQuery;

    /// 700 corpus documents (about one in twenty not public), in three commits, with some
    /// re-indexed (so segments hold deleted documents).
    fn index() -> SearchIndex {
        let index = SearchIndex::in_ram(crate::tokenize::segmenter(&[])).unwrap();
        let doc = |i: u64| {
            let mut d = corpus::document(11, i);
            d.text = d.text.chars().take(300).collect();
            d
        };
        for chunk in [0..300u64, 300..550, 550..700] {
            let docs: Vec<Doc> = chunk.map(doc).collect();
            index
                .apply(false, &docs, &[], Some(&Checkpoint::default()))
                .unwrap();
        }
        let again: Vec<Doc> = (0..700).step_by(7).map(doc).collect();
        index
            .apply(false, &again, &[], Some(&Checkpoint::default()))
            .unwrap();
        index
    }

    fn requests() -> Vec<Request> {
        let mut r = Rng::new(5);
        let mut out: Vec<Request> = ["的", "政府", "残疾人", "通知 2024", "补贴", "管理办法"]
            .iter()
            .map(|q| Request {
                q: (*q).to_string(),
                ..Default::default()
            })
            .collect();
        out.extend((0..120).map(|_| {
            let (q, filtered) = corpus::query(&mut r);
            let mut req = Request {
                q,
                ..Default::default()
            };
            if filtered {
                req.validity = Some("valid".into());
            }
            req
        }));
        out
    }

    /// The oracle, from tantivy's own collector over every match and its explanations: when
    /// every match was read (`exact`), the best `k` by the full ranking; otherwise the best
    /// `pool` by the cover terms, rescored by the full ranking.
    fn exhaustive(
        index: &SearchIndex,
        req: &Request,
        audience: &Audience,
        exact: bool,
    ) -> Vec<(Score, DocAddress)> {
        let searcher = index.reader.searcher();
        let Some(ranking) = index.ranking(&searcher, &parts(&req.q)) else {
            return Vec::new();
        };
        let k = req.offset + req.limit;
        let filter = index.build_query(req, audience);
        let by = |scoring: Box<dyn Query>, n: usize| {
            let q = BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(filter.box_clone(), 0.0)) as Box<dyn Query>,
                ),
                (Occur::Must, scoring),
            ]);
            searcher
                .search(&q, &TopDocs::with_limit(n).order_by_score())
                .unwrap()
        };
        if exact {
            return by(Box::new(Ranking::union(&ranking.full)), k);
        }
        let pool = by(
            Box::new(Ranking::union(&ranking.cover)),
            (k * 2).max(k + RERANK_POOL),
        );
        let mut rescored: Vec<(Score, DocAddress)> = pool
            .into_iter()
            .map(|(_, a)| {
                let full = Ranking::union(&ranking.full);
                (full.explain(&searcher, a).unwrap().value(), a)
            })
            .collect();
        rescored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        rescored.truncate(k);
        rescored
    }

    #[test]
    fn pruned_ranking_equals_exhaustive_scoring() {
        let index = index();
        let audience = Audience::Public { now_ms: i64::MAX };
        let (mut pruned, mut compared) = (0, 0);
        for base in requests() {
            let all = index.matching_ids(&base, &audience).unwrap();
            for (cap, offset, limit) in [(COUNT_CAP, 0, 10), (3, 0, 10), (3, 10, 10), (0, 0, 1)] {
                let req = Request {
                    offset,
                    limit,
                    ..base.clone()
                };
                let got = index.search_capped(&req, &audience, cap).unwrap();
                let want = exhaustive(&index, &req, &audience, got.exact);
                let want: Vec<_> = want.into_iter().skip(offset).collect();
                assert_eq!(got.hits.len(), want.len(), "{req:?}");
                for (h, (s, _)) in got.hits.iter().zip(&want) {
                    assert!((h.score - s).abs() <= 1e-4 * s.abs().max(1.0), "{req:?}");
                }
                // Where scores differ the order is the same document by document.
                let ids: Vec<i64> = got.hits.iter().map(|h| h.id).collect();
                let searcher = index.reader.searcher();
                for (i, (s, a)) in want.iter().enumerate() {
                    let tied = want
                        .iter()
                        .enumerate()
                        .any(|(j, (t, _))| j != i && (s - t).abs() <= 1e-4);
                    if !tied {
                        let d: TantivyDocument = searcher.doc(*a).unwrap();
                        let key = d.get_first(index.f.key).and_then(|v| v.as_str()).unwrap();
                        assert_eq!(key, format!("item:{}", ids[i]), "{req:?}");
                    }
                }
                if got.exact {
                    assert_eq!(got.total, all.len(), "{req:?}");
                } else {
                    pruned += 1;
                    assert!(all.len() > cap, "{req:?}");
                    assert!(got.total >= cap, "{req:?}");
                }
                compared += 1;
            }
        }
        assert!(pruned > 100, "the pruned path ran ({pruned} of {compared})");
    }

    #[test]
    fn words_rank_across_the_whole_text() {
        // The text's words are ranked through the substring fields, wherever they are.
        let index = SearchIndex::in_ram(crate::tokenize::segmenter(&[])).unwrap();
        let filler = "按照有关规定做好相关工作。".repeat(200);
        let doc = |i: u64, tail: &str| {
            let mut d = corpus::document(11, i);
            d.title = "工作通知".into();
            d.text = format!("{filler}{tail}");
            d.public = true;
            d.visible_from = 0;
            d
        };
        let docs = [
            doc(0, "推进无障碍环境建设"),
            doc(1, "推进无障碍环境建设，无障碍设施改造，无障碍出行"),
            doc(2, "推进环境建设"),
        ];
        index
            .apply(false, &docs, &[], Some(&Checkpoint::default()))
            .unwrap();
        let res = index
            .search(
                &Request {
                    q: "无障碍环境".into(),
                    limit: 10,
                    ..Default::default()
                },
                &Audience::Public { now_ms: i64::MAX },
            )
            .unwrap();
        assert_eq!(res.total, 2);
        // The text that says 无障碍 three times ranks first.
        let ids: Vec<i64> = res.hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![2, 1]);
        assert!(res.hits[0].score > res.hits[1].score);
    }

    #[test]
    fn newest_first_equals_sorting_every_match() {
        let index = index();
        let audience = Audience::Public { now_ms: i64::MAX };
        let searcher = index.reader.searcher();
        for base in requests() {
            let all = index.matching_ids(&base, &audience).unwrap();
            // The oracle: every match's date, newest first.
            let mut dated: Vec<(i64, i64)> = all
                .iter()
                .map(|id| (corpus::document(11, (*id - 1) as u64).date, *id))
                .collect();
            dated.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for cap in [COUNT_CAP, 3] {
                let req = Request {
                    sort: Sort::Newest,
                    offset: 5,
                    limit: 10,
                    ..base.clone()
                };
                let got = index.search_capped(&req, &audience, cap).unwrap();
                let dates: Vec<i64> = got
                    .hits
                    .iter()
                    .map(|h| corpus::document(11, (h.id - 1) as u64).date)
                    .collect();
                let want: Vec<i64> = dated.iter().skip(5).take(10).map(|d| d.0).collect();
                assert_eq!(dates, want, "{req:?}");
            }
        }
        drop(searcher);
    }
}
