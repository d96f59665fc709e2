//! A filter-only union of two queries that stays cheap inside an intersection.
//!
//! A part of the query must occur in the title *or* the text: a union of two phrase queries.
//! tantivy's own union (`BufferedUnionScorer`) answers `seek_danger` (how an intersection asks
//! "is document `d` in you?") with a full `seek`, which refills a window of 4,096 documents by
//! advancing every child through it; for phrase queries that means reading and matching the
//! positions of every document in the window. With a selective condition leading the
//! intersection (a year, a category) that cost is paid for each of its documents: the 1,000,000
//! document benchmark spent 100–200 ms on such queries. [`Either`] forwards `seek_danger` to both
//! children instead, so each child checks only the document asked about, and keeps track of a
//! child left between documents by a failed `seek_danger` until it is needed again.
//!
//! It does not score (it is only used where scoring is disabled): its score is 0.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED, Term};

/// Matches the documents either query matches.
#[derive(Debug)]
pub struct EitherQuery(pub Box<dyn Query>, pub Box<dyn Query>);

impl Clone for EitherQuery {
    fn clone(&self) -> Self {
        EitherQuery(self.0.box_clone(), self.1.box_clone())
    }
}

impl Query for EitherQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(EitherWeight(
            self.0.weight(enable_scoring)?,
            self.1.weight(enable_scoring)?,
        )))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
        self.1.query_terms(visitor);
    }
}

struct EitherWeight(Box<dyn Weight>, Box<dyn Weight>);

impl Weight for EitherWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let kids = [
            Probe::new(self.0.scorer(reader, boost)?),
            Probe::new(self.1.scorer(reader, boost)?),
        ];
        let doc = kids.iter().map(|k| k.s.doc()).min().unwrap_or(TERMINATED);
        Ok(Box::new(Either { kids, doc }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut s = self.scorer(reader, 1.0)?;
        if s.seek(doc) == doc {
            Ok(Explanation::new("either (no score)", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}

/// A scorer asked about documents in increasing order, possibly left between documents by a
/// `seek_danger` that did not find its target. [`Probe::has`] is the cheap question (only the
/// document asked about is checked; `seek` would check every document up to the next match).
pub(crate) struct Probe {
    s: Box<dyn Scorer>,
    /// Whether `s.doc()` is meaningful.
    valid: bool,
    /// When not valid: no document of the child lies before this one.
    lower: DocId,
}

impl Probe {
    pub(crate) fn new(s: Box<dyn Scorer>) -> Probe {
        Probe {
            s,
            valid: true,
            lower: 0,
        }
    }

    /// Makes the child valid on its first document at or after `t`, and returns it.
    fn move_to(&mut self, t: DocId) -> DocId {
        if self.valid {
            let d = self.s.doc();
            if d >= t {
                return d;
            }
            return if d + 1 == t {
                self.s.advance()
            } else {
                self.s.seek(t)
            };
        }
        loop {
            let target = self.lower.max(t);
            if target >= TERMINATED {
                // Exhausted: never asked again.
                self.lower = TERMINATED;
                return TERMINATED;
            }
            match self.s.seek_danger(target) {
                SeekDangerResult::Found => {
                    self.valid = true;
                    return target;
                }
                SeekDangerResult::SeekLowerBound(l) => self.lower = l,
            }
        }
    }

    /// Whether `target` is in the scorer, asked the cheap way.
    pub(crate) fn has(&mut self, target: DocId) -> bool {
        if self.valid {
            let d = self.s.doc();
            if d >= target {
                return d == target;
            }
        } else if self.lower > target {
            return false;
        }
        match self.s.seek_danger(target) {
            SeekDangerResult::Found => {
                self.valid = true;
                true
            }
            SeekDangerResult::SeekLowerBound(l) => {
                self.valid = false;
                self.lower = l;
                false
            }
        }
    }

    /// A lower bound of the child's next document (its document when valid).
    fn bound(&self) -> DocId {
        if self.valid { self.s.doc() } else { self.lower }
    }
}

struct Either {
    kids: [Probe; 2],
    doc: DocId,
}

impl Either {
    fn settle_at(&mut self, t: DocId) -> DocId {
        let a = self.kids[0].move_to(t);
        let b = self.kids[1].move_to(t);
        self.doc = a.min(b);
        self.doc
    }
}

impl DocSet for Either {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.settle_at(self.doc + 1)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.settle_at(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= TERMINATED {
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        // Ask both, so that each knows where it stands.
        let a = self.kids[0].has(target);
        let b = self.kids[1].has(target);
        if a || b {
            self.doc = target;
            SeekDangerResult::Found
        } else {
            let l = self.kids[0].bound().min(self.kids[1].bound());
            SeekDangerResult::SeekLowerBound(l.max(target + 1))
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.kids[0]
            .s
            .size_hint()
            .saturating_add(self.kids[1].s.size_hint())
    }

    fn cost(&self) -> u64 {
        self.kids[0].s.cost().saturating_add(self.kids[1].s.cost())
    }
}

impl Scorer for Either {
    fn score(&mut self) -> Score {
        0.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
    use super::*;
    use proptest::prelude::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{BooleanQuery, Occur, PhraseQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, STRING, Schema, TEXT};
    use tantivy::{DocAddress, Index, TantivyDocument};

    fn matching(index: &Index, q: &dyn Query) -> std::collections::BTreeSet<DocAddress> {
        index
            .reader()
            .unwrap()
            .searcher()
            .search(q, &DocSetCollector)
            .unwrap()
            .into_iter()
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Either(a, b) matches what tantivy's union of a and b matches: alone, and inside an
        /// intersection with a condition (where it is asked through `seek_danger`).
        #[test]
        fn same_as_tantivy_union(
            docs in proptest::collection::vec(
                (proptest::collection::vec(0u8..4, 0..8), proptest::collection::vec(0u8..4, 0..8), 0u8..3),
                1..300,
            ),
            pair in (0u8..4, 0u8..4),
        ) {
            let mut b = Schema::builder();
            let title = b.add_text_field("title", TEXT);
            let text = b.add_text_field("text", TEXT);
            let tag = b.add_text_field("tag", STRING);
            let index = Index::create_in_ram(b.build());
            let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
            let word = |n: u8| ["a", "b", "c", "d"][n as usize];
            for (t, x, g) in &docs {
                let mut d = TantivyDocument::default();
                d.add_text(title, t.iter().map(|n| word(*n)).collect::<Vec<_>>().join(" "));
                d.add_text(text, x.iter().map(|n| word(*n)).collect::<Vec<_>>().join(" "));
                d.add_text(tag, ["x", "y", "z"][*g as usize]);
                w.add_document(d).unwrap();
            }
            w.commit().unwrap();
            let phrase = |f| -> Box<dyn Query> {
                Box::new(PhraseQuery::new(vec![
                    Term::from_field_text(f, word(pair.0)),
                    Term::from_field_text(f, word(pair.1)),
                ]))
            };
            let tag_y = || -> Box<dyn Query> {
                Box::new(TermQuery::new(Term::from_field_text(tag, "y"), IndexRecordOption::Basic))
            };
            let either: Box<dyn Query> = Box::new(EitherQuery(phrase(title), phrase(text)));
            let union: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                (Occur::Should, phrase(title)),
                (Occur::Should, phrase(text)),
            ]));
            prop_assert_eq!(matching(&index, either.as_ref()), matching(&index, union.as_ref()));
            let and = |u: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, tag_y()), (Occur::Must, u)]);
            prop_assert_eq!(
                matching(&index, &and(either.box_clone())),
                matching(&index, &and(union.box_clone()))
            );
        }
    }
}
