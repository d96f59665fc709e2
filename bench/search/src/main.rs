//! Search benchmark (issue #8). Generates a corpus of Chinese government documents
//! (`gongkai_search::corpus`: varied titles, 1–10 KB bodies from large word lists), indexes it
//! into a tantivy index on disk with the production schema and analyzers, and measures:
//! indexing throughput (documents/s and MB/s, generation time excluded), index size on disk, and
//! query latency p50/p99 over a mix of queries (two-character words, long terms, multi-word,
//! names, single characters; a quarter with a filter), warm (after one untimed pass), as the
//! portal runs them: top 10 by relevance with highlighted titles and snippets, public audience.
//!
//! Usage: `bench-search [--docs N] [--queries N] [--threads N] [--dir PATH] [--keep 1]
//! [--heap-mb M] [--merge 0|1] [--analyzers N]` (see `bench/search.sh`). The writer is set up as
//! `gongkai reindex` sets it up (`WriterSetup::rebuild`) unless `--heap-mb`/`--merge` say otherwise;
//! `--analyzers N` only times each analyzer and each field alone over N documents.

use gongkai_search::corpus::{self, Rng};
use gongkai_search::tokenize::segmenter;
use gongkai_search::{Audience, Request, SearchIndex, WriterSetup};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Args {
    docs: u64,
    queries: usize,
    threads: usize,
    dir: PathBuf,
    heap_mb: usize,
    merge: bool,
    /// Keep the index after the run, and reuse a kept one of the same size (query work).
    keep: bool,
    /// Only time each analyzer alone over this many documents, on one thread (where indexing
    /// time goes), and exit.
    analyzers: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        docs: 100_000,
        queries: 1000,
        threads: 2,
        dir: std::env::temp_dir().join("gongkai-bench-search"),
        keep: false,
        heap_mb: WriterSetup::rebuild(1).heap / (1024 * 1024),
        merge: WriterSetup::rebuild(1).merge,
        analyzers: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or(format!("{k} needs a value"))?;
        match k.as_str() {
            "--docs" => a.docs = v.parse().map_err(|_| "bad --docs")?,
            "--queries" => a.queries = v.parse().map_err(|_| "bad --queries")?,
            "--threads" => a.threads = v.parse().map_err(|_| "bad --threads")?,
            "--dir" => a.dir = PathBuf::from(v),
            "--keep" => a.keep = v == "1" || v == "yes",
            "--heap-mb" => a.heap_mb = v.parse().map_err(|_| "bad --heap-mb")?,
            "--merge" => a.merge = v == "1" || v == "yes",
            "--analyzers" => a.analyzers = v.parse().map_err(|_| "bad --analyzers")?,
            _ => return Err(format!("unknown option {k}")),
        }
    }
    Ok(a)
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Times each analyzer alone over `n` generated documents (title and text), on one thread.
fn analyzer_costs(n: u64, jieba: &std::sync::Arc<jieba_rs::Jieba>) {
    use gongkai_search::tokenize::{
        CJK, CjkTokenizer, UNIGRAMS, UnigramTokenizer, WORDS, WordTokenizer,
    };
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::tokenizer::{TokenStream, Tokenizer};
    use tantivy::{Index, TantivyDocument, doc};
    let docs: Vec<_> = (0..n).map(|k| corpus::document(42, k)).collect();
    let bytes: usize = docs.iter().map(|d| d.title.len() + d.text.len()).sum();
    fn run<T: Tokenizer>(name: &str, mut t: T, docs: &[gongkai_search::doc::Doc]) {
        let start = Instant::now();
        let mut tokens = 0usize;
        for d in docs {
            for s in [&d.title, &d.text] {
                let mut ts = t.token_stream(s);
                while ts.advance() {
                    tokens += 1;
                }
            }
        }
        let el = start.elapsed().as_secs_f64();
        eprintln!(
            "{name:<28} {:>8.1} µs/doc {:>7.0} tokens/doc {:>6.0} ns/token {:>7.0} docs/s",
            el * 1e6 / docs.len() as f64,
            tokens as f64 / docs.len() as f64,
            el * 1e9 / tokens as f64,
            docs.len() as f64 / el
        );
    }
    eprintln!(
        "{} documents, {:.1} KB/doc, one thread",
        n,
        bytes as f64 / n as f64 / 1e3
    );
    run("substring (cjk)", CjkTokenizer, &docs);
    run("unigram (uni)", UnigramTokenizer, &docs);
    run(
        "words (WordTokenizer)",
        WordTokenizer {
            jieba: jieba.clone(),
        },
        &docs,
    );
    let jieba_alone = |name: &str, words: &dyn Fn(&str) -> usize| {
        let start = Instant::now();
        let count: usize = docs.iter().map(|d| words(&d.text)).sum();
        eprintln!(
            "{name:<28} {:>8.1} µs/doc {:>7.0} words/doc",
            start.elapsed().as_secs_f64() * 1e6 / n as f64,
            count as f64 / n as f64
        );
    };
    jieba_alone("jieba search mode, no HMM", &|t| {
        jieba.cut_for_search(t, false).len()
    });
    let field = |tokenizer: &str, option: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(option),
        )
    };
    for (name, options) in [
        (
            "index: stored text",
            TextOptions::from(tantivy::schema::STORED),
        ),
        (
            "index: substring, positions",
            field(CJK, IndexRecordOption::WithFreqsAndPositions),
        ),
        (
            "index: substring, freqs",
            field(CJK, IndexRecordOption::WithFreqs),
        ),
        (
            "index: unigram, freqs",
            field(UNIGRAMS, IndexRecordOption::WithFreqs),
        ),
        (
            "index: jieba, freqs",
            field(WORDS, IndexRecordOption::WithFreqs),
        ),
    ] {
        let mut b = Schema::builder();
        let f = b.add_text_field("f", options);
        let index = Index::create_in_ram(b.build());
        gongkai_search::tokenize::register(&index, jieba);
        let Ok(mut w) = index.writer_with_num_threads::<TantivyDocument>(1, 1 << 30) else {
            return;
        };
        let start = Instant::now();
        for d in &docs {
            let _ = w.add_document(doc!(f => d.text.as_str()));
        }
        let _ = w.commit();
        let el = start.elapsed().as_secs_f64();
        eprintln!("{name:<28} {:>8.1} µs/doc", el * 1e6 / n as f64);
    }
    let dir = std::env::temp_dir().join("gongkai-bench-analyzers");
    let _ = std::fs::remove_dir_all(&dir);
    let setup = WriterSetup {
        threads: 1,
        heap: 1 << 30,
        merge: false,
    };
    if let Ok(index) = SearchIndex::open_or_create(&dir, jieba.clone(), setup) {
        let start = Instant::now();
        let _ = index.add_uncommitted(&docs);
        let _ = index.apply(false, &[], &[], Some(&Default::default()));
        let el = start.elapsed().as_secs_f64();
        eprintln!(
            "{:<28} {:>8.1} µs/doc",
            "index: every field",
            el * 1e6 / n as f64
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    jieba_alone("jieba plain cut, no HMM", &|t| jieba.cut(t, false).len());
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    let jieba = segmenter(&["残疾人两项补贴".into(), "一网通办".into(), "放管服".into()]);
    let setup = WriterSetup {
        threads: a.threads,
        heap: a.heap_mb * 1024 * 1024,
        merge: a.merge,
    };
    if a.analyzers > 0 {
        analyzer_costs(a.analyzers, &jieba);
        return Ok(());
    }
    let reuse = a.keep
        && SearchIndex::open_or_create(&a.dir, jieba.clone(), setup)
            .is_ok_and(|i| i.num_docs() == a.docs);
    if !reuse {
        let _ = std::fs::remove_dir_all(&a.dir);
    }
    let index = SearchIndex::open_or_create(&a.dir, jieba.clone(), setup)?;

    let (mut gen_time, mut index_time) = (Duration::ZERO, Duration::ZERO);
    let mut bytes = 0u64;
    let batch = 2000u64;
    let mut i = if reuse { a.docs } else { 0 };
    if reuse {
        eprintln!("reusing the kept index in {}", a.dir.display());
    }
    while i < a.docs {
        let n = batch.min(a.docs - i);
        let t = Instant::now();
        let docs: Vec<_> = (i..i + n).map(|k| corpus::document(42, k)).collect();
        gen_time += t.elapsed();
        bytes += docs
            .iter()
            .map(|d| (d.title.len() + d.text.len()) as u64)
            .sum::<u64>();
        let t = Instant::now();
        index.add_uncommitted(&docs)?;
        index_time += t.elapsed();
        i += n;
        if i % 20_000 == 0 || i == a.docs {
            eprintln!(
                "{i} docs, {:.0} docs/s so far",
                i as f64 / index_time.as_secs_f64().max(1e-9)
            );
        }
    }
    let t = Instant::now();
    if !reuse {
        // As a rebuild ends (`Search::rebuild_with`).
        index.merge_from_next_commit()?;
        index.apply(false, &[], &[], Some(&Default::default()))?;
    }
    let commit = t.elapsed();
    index_time += commit;
    // The index is searchable now; its background merges finish after.
    let t = Instant::now();
    index.wait_for_merges()?;
    let merges = t.elapsed();
    let size = dir_size(&a.dir);
    let index = SearchIndex::open_or_create(&a.dir, jieba, setup)?;
    let segments = index.num_segments();

    let mut r = Rng::new(7);
    let queries: Vec<Request> = (0..a.queries)
        .map(|_| {
            let (q, filtered) = corpus::query(&mut r);
            let mut req = Request {
                q,
                limit: 10,
                ..Default::default()
            };
            if filtered {
                match r.below(3) {
                    0 => req.year = Some(2008 + r.below(19) as i64),
                    1 => req.category = Some("art20_1".into()),
                    _ => req.validity = Some("valid".into()),
                }
            }
            req
        })
        .collect();
    let audience = Audience::Public { now_ms: i64::MAX };
    let mut total_hits = 0usize;
    for q in &queries {
        total_hits += index.search(q, &audience)?.total;
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut slowest = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        let res = index.search(q, &audience)?;
        let took = t.elapsed();
        times.push(took);
        slowest.push((took, q, res.total, res.exact));
        std::hint::black_box(res);
    }
    if let Ok(path) = std::env::var("GK_TIMES") {
        let lines: Vec<String> = slowest
            .iter()
            .map(|(t, q, total, _)| {
                format!(
                    "{:.3}\t{}\t{:?}\t{:?}\t{:?}\t{total}",
                    t.as_secs_f64() * 1e3,
                    q.q,
                    q.year,
                    q.category,
                    q.validity
                )
            })
            .collect();
        std::fs::write(path, lines.join("\n"))?;
    }
    times.sort();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (took, q, total, exact) in slowest.iter().take(12) {
        eprintln!(
            "slow: {:.2} ms {:?} year={:?} category={:?} validity={:?} → {}{total}",
            took.as_secs_f64() * 1e3,
            q.q,
            q.year,
            q.category,
            q.validity,
            if *exact { "" } else { "约" }
        );
    }
    let mb = bytes as f64 / 1e6;
    println!("documents:        {}", a.docs);
    println!(
        "corpus text:      {mb:.1} MB ({:.1} KB/doc)",
        mb * 1e3 / a.docs as f64
    );
    println!(
        "generation:       {:.1} s (not counted)",
        gen_time.as_secs_f64()
    );
    println!(
        "indexing:         {:.1} s incl. final commit {:.1} s → {:.0} docs/s, {:.1} MB/s ({} writer threads)",
        index_time.as_secs_f64(),
        commit.as_secs_f64(),
        a.docs as f64 / index_time.as_secs_f64(),
        mb / index_time.as_secs_f64(),
        a.threads
    );
    println!(
        "merges:           {:.1} s after the commit (not counted), {segments} segments",
        merges.as_secs_f64()
    );
    println!(
        "index size:       {:.1} MB ({:.2}× the text)",
        size as f64 / 1e6,
        size as f64 / bytes as f64
    );
    println!(
        "queries:          {} (mean {:.0} matches each), warm: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        queries.len(),
        total_hits as f64 / queries.len() as f64,
        pct(&times, 0.5).as_secs_f64() * 1e3,
        pct(&times, 0.9).as_secs_f64() * 1e3,
        pct(&times, 0.99).as_secs_f64() * 1e3,
        times.last().map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0)
    );
    if !a.keep {
        let _ = std::fs::remove_dir_all(&a.dir);
    }
    Ok(())
}
