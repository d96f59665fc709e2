//! The tantivy index: schema, writing with an atomic checkpoint, and querying.
//!
//! One writer per index directory (tantivy #2408): only this instance's indexer task writes
//! it, through [`SearchIndex::apply`]; readers reload manually after each commit
//! (`ReloadPolicy::Manual`, so a search right after `apply` sees the change).
//!
//! The checkpoint (the outbox position the index reflects, [`Checkpoint`]) is the commit
//! payload, written by `prepare_commit().set_payload()` in the same commit as the documents, so
//! after a crash index and checkpoint always agree.

use crate::doc::Doc;
use crate::tokenize::{self, CJK, CjkTokenizer, WORDS, WordTokenizer};
use serde::{Deserialize, Serialize};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};

/// Version of the schema and analyzers. An index directory is named after it
/// (`<data>/search/v<N>`); changing it makes every instance rebuild on start-up.
pub const SCHEMA_VERSION: u32 = 1;

/// Writer memory budget (tantivy splits it over its threads).
const WRITER_HEAP: usize = 64 * 1024 * 1024;

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
    text_ws: Field,
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
        title_ws: b.add_text_field("title_ws", ws.clone()),
        text_ws: b.add_text_field("text_ws", ws),
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
    pub total: usize,
    pub hits: Vec<Hit>,
}

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
    fn wrap(index: Index, jieba: Arc<jieba_rs::Jieba>, threads: usize) -> Result<Self, IndexError> {
        let (_, f) = schema();
        index.tokenizers().register(CJK, CjkTokenizer);
        index.tokenizers().register(
            WORDS,
            WordTokenizer {
                jieba: jieba.clone(),
            },
        );
        let writer = index.writer_with_num_threads(threads.max(1), WRITER_HEAP)?;
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
        Self::wrap(Index::create_in_ram(schema), jieba, 1)
    }

    /// Opens the index in `dir`, or creates an empty one there. Fails on a corrupt index or
    /// one written with another schema: the caller rebuilds.
    pub fn open_or_create(
        dir: &Path,
        jieba: Arc<jieba_rs::Jieba>,
        threads: usize,
    ) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let (schema, _) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(mmap, schema)?;
        let s = Self::wrap(index, jieba, threads)?;
        // Read the metas now so that a broken file shows here, not in the first search.
        s.checkpoint()?;
        s.reader.searcher().num_docs();
        Ok(s)
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
        t.add_text(f.text_ws, &d.text);
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

    fn part_query(&self, part: &str) -> Box<dyn Query> {
        let terms = tokenize::query_terms(part);
        let phrase = |field: Field| -> Box<dyn Query> {
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
        };
        // Recall: the part occurs in the title or the text (exact substring).
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Should,
                Box::new(BoostQuery::new(phrase(self.f.title_cjk), 3.0)) as Box<dyn Query>,
            ),
            (Occur::Should, phrase(self.f.text_cjk)),
        ]))
    }

    fn ranking_query(&self, parts: &[String]) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in parts {
            for w in tokenize::words(&self.jieba, p) {
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(self.f.title_ws, &w.text),
                            IndexRecordOption::WithFreqs,
                        )),
                        2.0,
                    )),
                ));
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.f.text_ws, &w.text),
                        IndexRecordOption::WithFreqs,
                    )),
                ));
            }
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
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
        let f = self.f;
        let parts = parts(&req.q);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in &parts {
            clauses.push((Occur::Must, self.part_query(p)));
        }
        if let Some(r) = self.ranking_query(&parts) {
            clauses.push((Occur::Should, r));
        }
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
        if parts.is_empty() {
            // Nothing to search for: no results (the page asks for a query).
            return Box::new(EmptyQuery);
        }
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

    /// Runs a search.
    pub fn search(&self, req: &Request, audience: &Audience) -> Result<Results, IndexError> {
        let query = self.build_query(req, audience);
        let searcher = self.reader.searcher();
        let limit = req.limit.clamp(1, 100);
        let collector = TopDocs::with_limit(limit).and_offset(req.offset);
        let (addrs, total): (Vec<(f32, DocAddress)>, usize) = match req.sort {
            Sort::Relevance => searcher.search(&query, &(collector.order_by_score(), Count))?,
            Sort::Newest => {
                let (docs, total): (Vec<(Option<i64>, DocAddress)>, usize) = searcher.search(
                    &query,
                    &(
                        collector.order_by_fast_field::<i64>("date", Order::Desc),
                        Count,
                    ),
                )?;
                (docs.into_iter().map(|(_, a)| (0.0, a)).collect(), total)
            }
        };
        let parts = parts(&req.q);
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
        Ok(Results { total, hits })
    }
}
