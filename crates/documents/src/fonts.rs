//! Font discovery: the Noto CJK collections (Debian `fonts-noto-cjk`, OFL-1.1) found on the
//! system or in configured directories. Fonts are read at run time, never compiled into the
//! binary (tech-choices §2.1: 19–27 MB per weight).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};

use crate::DocError;

/// Family names the renderers ask for, in fallback order: 宋体 role first, 黑体 role second.
pub const SERIF: &str = "Noto Serif CJK SC";
pub const SANS: &str = "Noto Sans CJK SC";

/// Directories searched when none are configured.
pub fn default_font_dirs() -> Vec<PathBuf> {
    ["/usr/share/fonts", "/usr/local/share/fonts"]
        .iter()
        .map(PathBuf::from)
        .collect()
}

/// The loaded font files. Cheap to clone; load once per process and share.
#[derive(Clone)]
pub struct FontSet {
    paths: Arc<Vec<PathBuf>>,
    /// Every face of every file (a `.ttc` holds the SC, TC, JP, KR and HK faces).
    pub(crate) fonts: Arc<Vec<Font>>,
    pub(crate) book: Arc<FontBook>,
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.paths.iter()).finish()
    }
}

impl FontSet {
    /// Loads every Noto Serif/Sans CJK file (`.ttc`/`.otf`/`.ttf`) found under `dirs`
    /// (recursively). The environment variable `GONGKAI_FONT_DIRS` (colon-separated) is searched
    /// first, so an agency's licensed fonts can be added without a rebuild.
    pub fn discover(dirs: &[PathBuf]) -> Result<Self, DocError> {
        let mut search: Vec<PathBuf> = std::env::var("GONGKAI_FONT_DIRS")
            .map(|v| {
                v.split(':')
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        search.extend(dirs.iter().cloned());
        let mut found = Vec::new();
        for d in &search {
            walk(d, 0, &mut found);
        }
        found.sort();
        found.dedup();
        let mut fonts = Vec::new();
        for path in &found {
            let data = std::fs::read(path).map_err(|source| DocError::FontIo {
                path: path.display().to_string(),
                source,
            })?;
            fonts.extend(Font::iter(Bytes::new(data)));
        }
        if fonts.is_empty() {
            let names: Vec<String> = search.iter().map(|p| p.display().to_string()).collect();
            return Err(DocError::NoFonts(names.join("、")));
        }
        let book = FontBook::from_fonts(&fonts);
        Ok(Self {
            paths: Arc::new(found),
            fonts: Arc::new(fonts),
            book: Arc::new(book),
        })
    }

    /// Paths of the loaded files.
    pub fn paths(&self) -> Vec<&Path> {
        self.paths.iter().map(PathBuf::as_path).collect()
    }
}

fn is_cjk_font(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let ext_ok = [".ttc", ".otf", ".ttf"]
        .iter()
        .any(|e| name.to_ascii_lowercase().ends_with(e));
    // Regular and Bold of both families; the other weights only cost memory.
    let family_ok = name.starts_with("NotoSerifCJK") || name.starts_with("NotoSansCJK");
    let weight_ok = name.contains("-Regular") || name.contains("-Bold");
    ext_ok && family_ok && weight_ok
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 6 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, depth + 1, out);
        } else if is_cjk_font(&p) {
            out.push(p);
        }
    }
}
