//! Reading a query's matches (used by [`crate::index::SearchIndex::search`]): counting with an
//! estimate beyond a cap, the best `k`, checking single candidates against the filter, and
//! scoring chosen documents term by term. Each reads postings the cheap way for its use: see
//! the notes on [`FilterCheck`] and [`score_docs`].

use crate::either::Probe;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, TERMINATED, Term};

/// The matches of a filter read by [`count_matches`].
pub(crate) struct Counted {
    /// The live matching documents read, per segment, in document order.
    pub(crate) seen: Vec<Vec<DocId>>,
    /// Whether `seen` is every match.
    pub(crate) exhausted: bool,
    /// The number of matches (an estimate when not `exhausted`).
    pub(crate) total: usize,
    /// Where reading stopped (segment, document), when not `exhausted`.
    pub(crate) stopped: Option<(usize, DocId)>,
}

/// Reads the live matches of `w` up to `cap`. When there are more, the total is estimated from
/// the share of the index read before the cap was reached.
pub(crate) fn count_matches(
    searcher: &Searcher,
    w: &dyn Weight,
    cap: usize,
) -> tantivy::Result<Counted> {
    let empty = Counted {
        seen: vec![Vec::new(); searcher.segment_readers().len()],
        exhausted: false,
        total: 0,
        stopped: Some((0, 0)),
    };
    read_matches(searcher, w, cap, empty)
}

/// Goes on reading the matches of `w` where `from` stopped, up to `cap` in all.
pub(crate) fn read_matches(
    searcher: &Searcher,
    w: &dyn Weight,
    cap: usize,
    from: Counted,
) -> tantivy::Result<Counted> {
    let Counted {
        mut seen, stopped, ..
    } = from;
    let Some((first_seg, first_doc)) = stopped else {
        return Ok(Counted {
            total: seen.iter().map(Vec::len).sum(),
            seen,
            exhausted: true,
            stopped: None,
        });
    };
    let readers = searcher.segment_readers();
    let all: u64 = readers.iter().map(|r| u64::from(r.max_doc())).sum();
    let mut n: usize = seen.iter().map(Vec::len).sum();
    let mut read: u64 = readers[..first_seg]
        .iter()
        .map(|r| u64::from(r.max_doc()))
        .sum();
    for (seg, reader) in readers.iter().enumerate().skip(first_seg) {
        let mut scorer = w.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut d = scorer.doc();
        if seg == first_seg && d < first_doc {
            d = scorer.seek(first_doc);
        }
        while d != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(d)) {
                if n >= cap {
                    let share = (read + u64::from(d)).max(1) as f64 / all.max(1) as f64;
                    let estimate = (n as f64 / share) as usize;
                    return Ok(Counted {
                        seen,
                        exhausted: false,
                        total: two_figures(estimate).max(n),
                        stopped: Some((seg, d)),
                    });
                }
                seen[seg].push(d);
                n += 1;
            }
            d = scorer.advance();
        }
        read += u64::from(reader.max_doc());
    }
    Ok(Counted {
        seen,
        exhausted: true,
        total: n,
        stopped: None,
    })
}

/// `n` rounded to two significant figures (an estimate should not look exact).
pub(crate) fn two_figures(n: usize) -> usize {
    let mut unit = 1usize;
    while n / unit >= 100 {
        unit *= 10;
    }
    (n + unit / 2) / unit * unit
}

/// The filter as separate weights, for checking single candidates: each part's phrase on the
/// title and on the text, and the other conditions, each asked only about the candidate
/// ([`Probe`]): a phrase scorer's `seek` would match positions in every document up to its next
/// match.
pub(crate) struct FilterCheck {
    parts: Vec<(Box<dyn Weight>, Box<dyn Weight>)>,
    conditions: Box<dyn Weight>,
}

impl FilterCheck {
    /// `parts`: each part's (title, text) queries; `conditions`: everything else.
    pub(crate) fn new(
        searcher: &Searcher,
        parts: Vec<(Box<dyn Query>, Box<dyn Query>)>,
        conditions: Box<dyn Query>,
    ) -> tantivy::Result<Self> {
        let off = || EnableScoring::disabled_from_searcher(searcher);
        let mut ws = Vec::with_capacity(parts.len());
        for (title, text) in parts {
            ws.push((title.weight(off())?, text.weight(off())?));
        }
        Ok(FilterCheck {
            parts: ws,
            conditions: conditions.weight(off())?,
        })
    }

    pub(crate) fn scorers(&self, reader: &tantivy::SegmentReader) -> tantivy::Result<SegmentCheck> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for (title, text) in &self.parts {
            parts.push((
                Probe::new(title.scorer(reader, 1.0)?),
                Probe::new(text.scorer(reader, 1.0)?),
            ));
        }
        Ok(SegmentCheck {
            parts,
            conditions: Probe::new(self.conditions.scorer(reader, 1.0)?),
        })
    }
}

/// [`FilterCheck`] in one segment; ask in increasing document order.
pub(crate) struct SegmentCheck {
    parts: Vec<(Probe, Probe)>,
    conditions: Probe,
}

impl SegmentCheck {
    pub(crate) fn matches(&mut self, d: DocId) -> bool {
        self.conditions.has(d)
            && self
                .parts
                .iter_mut()
                .all(|(title, text)| title.has(d) || text.has(d))
    }
}

/// The two rankings of [`SearchIndex::ranking`], as their term clauses (should-clauses:
/// the score is their sum).
pub(crate) struct Ranking {
    pub(crate) cover: Vec<(Occur, Box<dyn Query>)>,
    pub(crate) full: Vec<(Occur, Box<dyn Query>)>,
}

impl Ranking {
    /// One weight per clause of `clauses`, for [`score_docs`].
    pub(crate) fn weights(
        clauses: &[(Occur, Box<dyn Query>)],
        searcher: &Searcher,
    ) -> tantivy::Result<Vec<Box<dyn Weight>>> {
        clauses
            .iter()
            .map(|(_, q)| q.weight(EnableScoring::enabled_from_searcher(searcher)))
            .collect()
    }

    pub(crate) fn union(clauses: &[(Occur, Box<dyn Query>)]) -> BooleanQuery {
        BooleanQuery::new(clauses.iter().map(|(o, q)| (*o, q.box_clone())).collect())
    }
}

/// A ranking term asked of the title and of the text: `((title field, title term), (text
/// field, text term))`.
pub(crate) type TitleAndText = ((Field, String), (Field, String));

/// For each [`TitleAndText`], a should-clause on the title (boosted) and one on the text.
pub(crate) fn should_terms(
    terms: &std::collections::BTreeSet<TitleAndText>,
    boost: Score,
) -> Vec<(Occur, Box<dyn Query>)> {
    let term = |field: Field, t: &str| {
        TermQuery::new(
            Term::from_field_text(field, t),
            IndexRecordOption::WithFreqs,
        )
    };
    terms
        .iter()
        .flat_map(|((title, a), (text, b))| {
            [
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term(*title, a)), boost)) as Box<dyn Query>,
                ),
                (Occur::Should, Box::new(term(*text, b)) as Box<dyn Query>),
            ]
        })
        .collect()
}

/// The best `k` of `docs` (per segment, in document order) by the sum of the scores of the
/// term weights `ws`. Each term's postings seek on their own, through the skip lists: a union
/// scorer would read every document of a 4,096-document window around each one.
pub(crate) fn score_docs(
    searcher: &Searcher,
    ws: &[Box<dyn Weight>],
    docs: &[Vec<DocId>],
    k: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    let mut top = TopK::new(k);
    for (seg, docs) in docs.iter().enumerate() {
        if docs.is_empty() {
            continue;
        }
        let reader = searcher.segment_reader(seg as u32);
        let mut scorers = ws
            .iter()
            .map(|w| w.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        for &d in docs {
            let mut score = 0.0;
            for s in scorers.iter_mut() {
                if s.doc() < d {
                    s.seek(d);
                }
                if s.doc() == d {
                    score += s.score();
                }
            }
            top.push(score, DocAddress::new(seg as u32, d));
        }
    }
    Ok(top.into_sorted())
}

/// A hit with its score; better is greater (higher score, then the earlier document).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ranked(Score, DocAddress);

impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// The best `k` hits seen so far.
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    pub(crate) fn push(&mut self, score: Score, addr: DocAddress) {
        let r = Ranked(score, addr);
        if self.heap.len() < self.k {
            self.heap.push(Reverse(r));
        } else if self.heap.peek().is_some_and(|w| r > w.0) {
            self.heap.pop();
            self.heap.push(Reverse(r));
        }
    }

    /// The score a candidate must beat to enter (WAND's threshold).
    pub(crate) fn threshold(&self) -> Score {
        match self.heap.peek() {
            Some(w) if self.heap.len() >= self.k => w.0.0,
            _ => Score::MIN,
        }
    }

    /// Best first.
    pub(crate) fn into_sorted(self) -> Vec<(Score, DocAddress)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(Ranked(s, a))| (s, a))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_have_two_significant_figures() {
        assert_eq!(two_figures(0), 0);
        assert_eq!(two_figures(99), 99);
        assert_eq!(two_figures(123), 120);
        assert_eq!(two_figures(125), 130);
        assert_eq!(two_figures(31_358), 31_000);
        assert_eq!(two_figures(996_000), 1_000_000);
    }
}
