//! The two analyzers (tech-choices §1.4).
//!
//! **Substring analyzer** ([`CjkTokenizer`], fields `*_cjk`). Text is normalised (ASCII and
//! full-width letters lower-cased, full-width forms folded to ASCII) and split into ([`pieces`]):
//! - *words*: runs of ASCII letters and digits, one token each;
//! - *characters*: every other non-space character (Han, kana, punctuation …). Each one gets its
//!   own position and emits its **unigram** and, when the next character is also a character,
//!   the **bigram** starting at it, at the same position.
//!
//! A query part is turned into the same positions ([`query_terms`]): bigrams covering its
//! character runs, a unigram only where a run has one character, words as they are. Run as a
//! phrase with those offsets, it matches exactly the documents that contain the part as a
//! substring (of the normalised text, words matched whole): 银行 finds 中国农业发展银行, 张三
//! finds 张三等, and a single character works too (its unigram). Whitespace separates runs and
//! takes one position, so nothing matches across a space or a line break (Ctrl-F would not).
//!
//! What is stored with positions is less ([`indexed_pieces`]): a unigram inside a run (a
//! bigram ends at it and another starts at it) is left out. A phrase needs a unigram only for a
//! one-character run of the query, which sits between words or at an end of the part, so in
//! the text that character ends or starts its run: its unigram is there. Every character is in
//! the **unigram fields** (`*_uni`, [`UnigramTokenizer`]) without positions, for one-character
//! queries. Positions are most of the index, and of the time spent writing and merging it.
//!
//! **Word analyzer** ([`WordTokenizer`], field `title_ws`, and the words of a query): jieba
//! search mode with the administrators' dictionary, for BM25 ranking only (never for recall).
//! The text has no word field: a query word is ranked there by its rarest substring term
//! (`SearchIndex::ranking`). It holds the segmenter
//! in an `Arc`: tantivy clones a field's tokenizer per segment writer, and tantivy-jieba's custom
//! segmenter would be cloned with it (a 350,000-word dictionary each time), so we wrap jieba-rs
//! ourselves in a few lines.

use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name of the substring analyzer in the index's tokenizer registry.
pub const CJK: &str = "gk_cjk";
/// Name of the word analyzer.
pub const WORDS: &str = "gk_words";
/// Name of the unigram analyzer.
pub const UNIGRAMS: &str = "gk_uni";

/// Normalises one character: full-width ASCII forms to ASCII, ASCII letters to lower case.
pub fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Whether a substring-analyzer token is one character's unigram (not a one-letter word).
pub fn is_unigram(t: &str) -> bool {
    let mut c = t.chars();
    matches!((c.next(), c.next()), (Some(a), None) if !is_word_char(a))
}

/// Whether a substring-analyzer token is a bigram of two characters (not a two-letter word).
pub fn is_bigram(t: &str) -> bool {
    let mut c = t.chars();
    matches!((c.next(), c.next(), c.next()), (Some(a), Some(_), None) if !is_word_char(a))
}

/// A token of the substring analyzer before it becomes a tantivy token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub position: usize,
    /// Byte offsets in the original text.
    pub from: usize,
    pub to: usize,
}

/// The substring analyzer's tokens of `text` (see the module documentation).
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut position = 0usize;
    let mut word = String::new();
    let mut word_from = 0usize;
    // The previous character when it was a "character" (not a word, not a space).
    let mut prev: Option<(char, usize)> = None;
    let mut in_space = false;
    let flush_word =
        |word: &mut String, from: usize, to: usize, pos: &mut usize, out: &mut Vec<Piece>| {
            if !word.is_empty() {
                out.push(Piece {
                    text: std::mem::take(word),
                    position: *pos,
                    from,
                    to,
                });
                *pos += 1;
            }
        };
    for (i, raw) in text.char_indices() {
        let c = fold(raw);
        let end = i + raw.len_utf8();
        if is_word_char(c) {
            if word.is_empty() {
                word_from = i;
            }
            word.push(c);
            prev = None;
            continue;
        }
        flush_word(&mut word, word_from, i, &mut position, &mut out);
        if c.is_whitespace() || c.is_control() {
            // A run of spaces takes one position: nothing matches across it.
            if !in_space && !out.is_empty() {
                position += 1;
            }
            in_space = true;
            prev = None;
            continue;
        }
        in_space = false;
        if let Some((p, p_from)) = prev {
            // The bigram starting at the previous character shares its position.
            let mut bi = String::with_capacity(8);
            bi.push(p);
            bi.push(c);
            out.push(Piece {
                text: bi,
                position: position - 1,
                from: p_from,
                to: end,
            });
        }
        out.push(Piece {
            text: c.to_string(),
            position,
            from: i,
            to: end,
        });
        position += 1;
        prev = Some((c, i));
    }
    flush_word(&mut word, word_from, text.len(), &mut position, &mut out);
    out
}

/// The substring analyzer's tokens as indexed: [`pieces`] without the unigrams inside a run
/// (see the module documentation).
pub fn indexed_pieces(text: &str) -> Vec<Piece> {
    let all = pieces(text);
    let starts: std::collections::HashSet<usize> = all
        .iter()
        .filter(|p| is_bigram(&p.text))
        .map(|p| p.position)
        .collect();
    all.iter()
        .filter(|p| {
            let inside = p.position > 0
                && starts.contains(&p.position)
                && starts.contains(&(p.position - 1));
            !(is_unigram(&p.text) && inside)
        })
        .cloned()
        .collect()
}

/// The terms of one query part with their phrase offsets: bigrams for character runs (a unigram
/// for a one-character run), words whole. Empty for a part with nothing searchable.
pub fn query_terms(part: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let ps = pieces(part);
    // Group character pieces: a unigram is needed only when no bigram starts or ends at it.
    let mut i = 0;
    while i < ps.len() {
        let p = &ps[i];
        if is_bigram(&p.text) {
            out.push((p.position, p.text.clone()));
        } else if is_unigram(&p.text) {
            let covered = ps.iter().any(|q| {
                is_bigram(&q.text) && (q.position == p.position || q.position + 1 == p.position)
            });
            if !covered {
                out.push((p.position, p.text.clone()));
            }
        } else {
            out.push((p.position, p.text.clone()));
        }
        i += 1;
    }
    out.sort();
    // Bigrams overlapping fully redundant ones could be dropped; a phrase with them is still exact.
    out
}

/// The terms a phrase needs: [`query_terms`] without the bigrams whose two characters the
/// kept ones already cover (every other bigram along a run, and always the run's last). The
/// phrase matches the same places and reads fewer position lists.
pub fn phrase_terms(part: &str) -> Vec<(usize, String)> {
    let terms = query_terms(part);
    let mut out = Vec::with_capacity(terms.len());
    // The last character position a kept bigram covers.
    let mut covered: Option<usize> = None;
    for (i, (pos, t)) in terms.iter().enumerate() {
        if is_bigram(t) {
            let next_covers = terms
                .get(i + 1)
                .is_some_and(|(p, n)| *p == pos + 1 && is_bigram(n));
            if covered.is_some_and(|c| *pos <= c) && next_covers {
                continue;
            }
            covered = Some(pos + 1);
        }
        out.push((*pos, t.clone()));
    }
    out
}

/// The substring analyzer as a tantivy tokenizer ([`indexed_pieces`]).
#[derive(Clone, Default)]
pub struct CjkTokenizer;

impl Tokenizer for CjkTokenizer {
    type TokenStream<'a> = CjkStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkStream<'a> {
        CjkStream::new(text)
    }
}

/// The unigram analyzer: the unigram of each distinct character, once (fields without
/// positions). The unigram fields only answer which documents hold a character; emitting each
/// one once makes them cost a third of what every occurrence did (indexing time goes to
/// tantivy hashing and recording each token, bench/RESULTS.md), and a character's frequency in
/// a document is no ranking signal worth that.
#[derive(Clone, Default)]
pub struct UnigramTokenizer;

impl Tokenizer for UnigramTokenizer {
    type TokenStream<'a> = CjkStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkStream<'a> {
        CjkStream::unigrams(text)
    }
}

/// A token [`CjkStream`] has decided to emit.
#[derive(Debug, Clone, Copy)]
enum Emit {
    Word {
        from: usize,
        to: usize,
        pos: usize,
    },
    Bigram {
        a: char,
        b: char,
        from: usize,
        to: usize,
        pos: usize,
    },
    Unigram {
        c: char,
        from: usize,
        to: usize,
        pos: usize,
    },
}

/// [`indexed_pieces`] as a stream, for indexing: the same tokens in the same order (a property
/// test holds them equal), written into one reused token instead of two `String`s per
/// character. With `unigrams_only`, the unigrams of [`pieces`], each character once.
pub struct CjkStream<'a> {
    unigrams_only: bool,
    /// The unigram of the last character, held until the next one shows whether it ends its
    /// run (then it is emitted) or not (then it is inside the run and left out).
    pending: Option<Emit>,
    chars: std::str::CharIndices<'a>,
    len: usize,
    position: usize,
    word: String,
    word_from: usize,
    prev: Option<(char, usize)>,
    in_space: bool,
    emitted: bool,
    done: bool,
    queue: std::collections::VecDeque<Emit>,
    token: Token,
    /// Unigrams already emitted (with `unigrams_only`: each character once).
    seen: CharSet,
}

/// A set of characters: a bitmap for the Basic Multilingual Plane (where Han characters live),
/// a hash set for the rest. Allocated on the first insert.
#[derive(Default)]
struct CharSet {
    bmp: Vec<u64>,
    other: std::collections::HashSet<char>,
}

impl CharSet {
    /// Adds `c`; whether it was new.
    fn insert(&mut self, c: char) -> bool {
        let n = c as usize;
        if n > 0xFFFF {
            return self.other.insert(c);
        }
        if self.bmp.is_empty() {
            self.bmp = vec![0; 0x10000 / 64];
        }
        let (word, bit) = (n / 64, 1u64 << (n % 64));
        let new = self.bmp[word] & bit == 0;
        self.bmp[word] |= bit;
        new
    }
}

impl<'a> CjkStream<'a> {
    pub fn new(text: &'a str) -> CjkStream<'a> {
        CjkStream {
            unigrams_only: false,
            pending: None,
            chars: text.char_indices(),
            len: text.len(),
            position: 0,
            word: String::new(),
            word_from: 0,
            prev: None,
            in_space: false,
            emitted: false,
            done: false,
            queue: std::collections::VecDeque::with_capacity(4),
            token: Token::default(),
            seen: CharSet::default(),
        }
    }

    pub fn unigrams(text: &'a str) -> CjkStream<'a> {
        CjkStream {
            unigrams_only: true,
            ..CjkStream::new(text)
        }
    }

    fn flush_pending(&mut self) {
        if let Some(e) = self.pending.take() {
            self.queue.push_back(e);
        }
    }

    fn flush_word(&mut self, to: usize) {
        if !self.word.is_empty() {
            self.queue.push_back(Emit::Word {
                from: self.word_from,
                to,
                pos: self.position,
            });
            self.position += 1;
            self.emitted = true;
        }
    }

    fn step(&mut self, i: usize, raw: char) {
        let c = fold(raw);
        let end = i + raw.len_utf8();
        if self.unigrams_only {
            if !is_word_char(c) && !c.is_whitespace() && !c.is_control() && self.seen.insert(c) {
                self.queue.push_back(Emit::Unigram {
                    c,
                    from: i,
                    to: end,
                    pos: self.position,
                });
                self.position += 1;
            }
            return;
        }
        if !is_word_char(c) && !c.is_whitespace() && !c.is_control() {
            // Another character follows: the held unigram is inside its run.
            self.pending = None;
        } else {
            self.flush_pending();
        }
        if is_word_char(c) {
            if self.word.is_empty() {
                self.word_from = i;
            }
            self.word.push(c);
            self.prev = None;
            return;
        }
        self.flush_word(i);
        if c.is_whitespace() || c.is_control() {
            if !self.in_space && self.emitted {
                self.position += 1;
            }
            self.in_space = true;
            self.prev = None;
            return;
        }
        self.in_space = false;
        if let Some((p, p_from)) = self.prev {
            self.queue.push_back(Emit::Bigram {
                a: p,
                b: c,
                from: p_from,
                to: end,
                pos: self.position - 1,
            });
        }
        let unigram = Emit::Unigram {
            c,
            from: i,
            to: end,
            pos: self.position,
        };
        if self.prev.is_some() {
            self.pending = Some(unigram);
        } else {
            // The first character of a run.
            self.queue.push_back(unigram);
        }
        self.emitted = true;
        self.position += 1;
        self.prev = Some((c, i));
    }
}

impl TokenStream for CjkStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some(e) = self.queue.pop_front() {
                let t = &mut self.token;
                t.text.clear();
                t.position_length = 1;
                match e {
                    Emit::Word { from, to, pos } => {
                        t.text.push_str(&self.word);
                        self.word.clear();
                        (t.offset_from, t.offset_to, t.position) = (from, to, pos);
                    }
                    Emit::Bigram {
                        a,
                        b,
                        from,
                        to,
                        pos,
                    } => {
                        t.text.push(a);
                        t.text.push(b);
                        (t.offset_from, t.offset_to, t.position) = (from, to, pos);
                    }
                    Emit::Unigram { c, from, to, pos } => {
                        t.text.push(c);
                        (t.offset_from, t.offset_to, t.position) = (from, to, pos);
                    }
                }
                return true;
            }
            if self.done {
                return false;
            }
            match self.chars.next() {
                Some((i, raw)) => self.step(i, raw),
                None => {
                    self.flush_pending();
                    self.flush_word(self.len);
                    self.done = true;
                }
            }
        }
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Registers the three analyzers under their names in `index`'s tokenizer registry.
pub fn register(index: &tantivy::Index, jieba: &Arc<jieba_rs::Jieba>) {
    index.tokenizers().register(CJK, CjkTokenizer);
    index.tokenizers().register(UNIGRAMS, UnigramTokenizer);
    index.tokenizers().register(
        WORDS,
        WordTokenizer {
            jieba: jieba.clone(),
        },
    );
}

/// jieba with the built-in dictionary plus the administrators' words.
pub fn segmenter(extra: &[String]) -> Arc<jieba_rs::Jieba> {
    let mut j = jieba_rs::Jieba::new();
    for w in extra {
        j.add_word(w, None, None);
    }
    Arc::new(j)
}

/// The words of `text` in jieba search mode (lower-cased; punctuation and spaces dropped).
/// Without jieba's HMM for words missing from the dictionary: it took half of jieba's time,
/// and the substring fields find such words anyway (the word fields only rank).
pub fn words(jieba: &jieba_rs::Jieba, text: &str) -> Vec<Piece> {
    pieces_of(WordStream::new(jieba, text))
}

/// The tokens of a stream as [`Piece`]s.
fn pieces_of(mut st: impl TokenStream) -> Vec<Piece> {
    let mut out = Vec::new();
    while st.advance() {
        let t = st.token();
        out.push(Piece {
            text: t.text.clone(),
            position: t.position,
            from: t.offset_from,
            to: t.offset_to,
        });
    }
    out
}

/// [`words`] as a tantivy token stream, written into one reused token.
pub struct WordStream<'a> {
    words: std::vec::IntoIter<jieba_rs::Token<'a>>,
    token: Token,
}

impl<'a> WordStream<'a> {
    pub fn new(jieba: &jieba_rs::Jieba, text: &'a str) -> WordStream<'a> {
        WordStream {
            words: jieba.cut_for_search(text, false).into_iter(),
            token: Token::default(),
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        for w in self.words.by_ref() {
            if !w.word.chars().any(char::is_alphanumeric) {
                continue;
            }
            let t = &mut self.token;
            t.text.clear();
            t.text.extend(w.word.chars().map(fold));
            (t.position, t.offset_from, t.offset_to) = (w.start, w.byte_start, w.byte_end);
            t.position_length = 1;
            return true;
        }
        false
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The word analyzer as a tantivy tokenizer.
#[derive(Clone)]
pub struct WordTokenizer {
    pub jieba: Arc<jieba_rs::Jieba>,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        WordStream::new(&self.jieba, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(usize, String)> {
        pieces(s)
            .into_iter()
            .map(|p| (p.position, p.text))
            .collect()
    }

    #[test]
    fn characters_get_unigrams_and_bigrams_at_one_position() {
        assert_eq!(
            texts("银行A1 张三"),
            vec![
                (0, "银".to_string()),
                (0, "银行".into()),
                (1, "行".into()),
                (2, "a1".into()),
                (4, "张".into()),
                (4, "张三".into()),
                (5, "三".into()),
            ]
        );
    }

    #[test]
    fn unigrams_inside_a_run_are_not_indexed() {
        let text = "银行A1 张三等";
        let kept: Vec<(usize, String)> = indexed_pieces(text)
            .into_iter()
            .map(|p| (p.position, p.text))
            .collect();
        let dropped: Vec<(usize, String)> = texts(text)
            .into_iter()
            .filter(|p| !kept.contains(p))
            .collect();
        // 三 has a bigram on each side; 银/行/张/等 end their runs and stay.
        assert_eq!(dropped, vec![(5, "三".to_string())]);
    }

    #[test]
    fn the_unigram_fields_get_each_character_once() {
        // 𠀀 is outside the Basic Multilingual Plane (the hash-set side of `CharSet`).
        let got: Vec<String> = pieces_of(CjkStream::unigrams("银行，银行A𠀀 𠀀行"))
            .into_iter()
            .map(|p| p.text)
            .collect();
        // The full-width comma folds to ASCII.
        assert_eq!(got, vec!["银", "行", ",", "𠀀"]);
    }

    #[test]
    fn full_width_forms_fold_to_ascii() {
        assert_eq!(texts("ＡＢ１２"), vec![(0, "ab12".to_string())]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let s = "关于Ab的通知";
        for p in pieces(s) {
            let orig: String = s[p.from..p.to].chars().map(fold).collect();
            assert_eq!(orig, p.text);
        }
    }

    #[test]
    fn query_terms_cover_the_part_with_bigrams() {
        assert_eq!(
            query_terms("农业发展"),
            vec![
                (0, "农业".to_string()),
                (1, "业发".into()),
                (2, "发展".into())
            ]
        );
        assert_eq!(query_terms("银"), vec![(0, "银".to_string())]);
        assert_eq!(
            query_terms("2024年"),
            vec![(0, "2024".to_string()), (1, "年".into())]
        );
        assert!(query_terms("  ").is_empty());
        assert_eq!(
            phrase_terms("无障碍环境建设"),
            vec![
                (0, "无障".to_string()),
                (2, "碍环".into()),
                (4, "境建".into()),
                (5, "建设".into())
            ]
        );
        assert_eq!(
            phrase_terms("农业发展"),
            vec![(0, "农业".to_string()), (2, "发展".into())]
        );
        assert_eq!(phrase_terms("张三"), query_terms("张三"));
        assert_eq!(
            phrase_terms("第12号文件"),
            vec![
                (0, "第".to_string()),
                (1, "12".into()),
                (2, "号文".into()),
                (3, "文件".into())
            ]
        );
    }

    #[test]
    fn user_words_join_the_segmenter() {
        let plain = segmenter(&[]);
        let custom = segmenter(&["残疾人两项补贴".to_string()]);
        let text = "落实残疾人两项补贴政策";
        let has = |j: &jieba_rs::Jieba| words(j, text).iter().any(|p| p.text == "残疾人两项补贴");
        assert!(!has(&plain));
        assert!(has(&custom));
        for p in words(&custom, text) {
            assert_eq!(&text[p.from..p.to], p.text);
        }
    }

    /// Does `part` match `text` the way the phrase query does: one base position where every
    /// query term is a token of the text? With all of [`query_terms`] and with the thinned
    /// [`phrase_terms`] the queries use, which must agree.
    fn phrase_matches(part: &str, text: &str) -> bool {
        let all = matches_with(&query_terms(part), text);
        assert_eq!(
            all,
            matches_with(&phrase_terms(part), text),
            "{part:?} in {text:?}"
        );
        all
    }

    fn matches_with(terms: &[(usize, String)], text: &str) -> bool {
        if terms.is_empty() {
            return false;
        }
        if let [(_, t)] = terms
            && is_unigram(t)
        {
            // One character: the unigram fields, which hold every character's unigram.
            return pieces(text).iter().any(|p| &p.text == t);
        }
        let toks: std::collections::HashSet<(usize, String)> = indexed_pieces(text)
            .into_iter()
            .map(|p| (p.position, p.text))
            .collect();
        (0..=text.chars().count() + 1).any(|base| {
            terms
                .iter()
                .all(|(o, t)| toks.contains(&(base + o, t.clone())))
        })
    }

    /// The independent oracle: Ctrl-F on the normalised text, words (ASCII letters and digits)
    /// matched whole.
    fn ctrl_f(part: &str, text: &str) -> bool {
        let t: Vec<char> = text.chars().map(fold).collect();
        let p: Vec<char> = part.chars().map(fold).collect();
        if p.is_empty() || p.len() > t.len() {
            return false;
        }
        let w = |c: char| c.is_ascii_alphanumeric();
        (0..=t.len() - p.len()).any(|k| {
            t[k..k + p.len()] == p[..]
                && !(w(p[0]) && k > 0 && w(t[k - 1]))
                && !(w(p[p.len() - 1]) && k + p.len() < t.len() && w(t[k + p.len()]))
        })
    }

    const ALPHABET: &[char] = &[
        '银', '行', '农', '业', '发', '展', '张', '三', '等', '国', '中', '，', '〔', '〕', 'a',
        'B', '1', '2', 'Ａ', '。', ' ', '\n', '　',
    ];

    fn arb_text(max: usize) -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET), 0..max)
            .prop_map(|v| v.into_iter().collect())
    }

    /// A query part: no spaces, at least one character.
    fn arb_part(max: usize) -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(&ALPHABET[..ALPHABET.len() - 3]),
            1..max,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Exact-substring semantics: the phrase matches if and only if Ctrl-F finds the part.
        #[test]
        fn phrase_match_is_ctrl_f(text in arb_text(30), part in arb_part(5)) {
            prop_assert_eq!(phrase_matches(&part, &text), ctrl_f(&part, &text));
        }

        /// The indexing stream emits exactly [`indexed_pieces`]; the unigram stream each unigram of
        /// [`pieces`] once, in order of first occurrence.
        #[test]
        fn stream_equals_pieces(text in arb_text(40)) {
            prop_assert_eq!(pieces_of(CjkStream::new(&text)), indexed_pieces(&text));
            let got: Vec<String> =
                pieces_of(CjkStream::unigrams(&text)).into_iter().map(|p| p.text).collect();
            let mut want: Vec<String> = Vec::new();
            for p in pieces(&text) {
                if is_unigram(&p.text) && !want.contains(&p.text) {
                    want.push(p.text);
                }
            }
            prop_assert_eq!(got, want);
        }

        /// Every substring of a text (not cutting a word) is found in it.
        #[test]
        fn substrings_are_found(pre in arb_text(20), part in arb_part(6), post in arb_text(20)) {
            // Glue with a space where a word would otherwise run on (words match whole).
            let w = |c: Option<char>| c.is_some_and(|c| fold(c).is_ascii_alphanumeric());
            let mut text = pre.clone();
            if w(pre.chars().last()) && w(part.chars().next()) {
                text.push(' ');
            }
            text.push_str(&part);
            if w(part.chars().last()) && w(post.chars().next()) {
                text.push(' ');
            }
            text.push_str(&post);
            prop_assert!(ctrl_f(&part, &text));
            prop_assert!(phrase_matches(&part, &text));
        }
    }
}
