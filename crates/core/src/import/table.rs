//! Spreadsheet-shaped input (CSV, XLSX) as a grid of text cells, without I/O and without panics.
//!
//! - CSV: UTF-8 with or without BOM; a file that is not valid UTF-8 is read as GB18030 (a
//!   superset of GBK, what Excel on a Chinese Windows writes), and a UTF-16 file with its BOM is
//!   decoded too. Separator `,` (or `;`/tab when the header line has more of those); quoted
//!   cells may contain line breaks.
//! - XLSX: the first worksheet of the workbook (by `workbook.xml` and its relationships, or
//!   `sheet1.xml`), shared strings, inline strings, numbers and booleans; cell references place
//!   values in their columns, so empty cells keep the columns aligned. Dates stored as numbers
//!   stay numbers here (the date parser understands Excel serial days). The zip-bomb guards of
//!   `filetype` apply.

use crate::filetype::{open_zip, read_entry};
use quick_xml::events::{BytesStart, Event};

/// Rows of text cells; row `i` of the grid is line/row `i + 1` of the file.
pub type Grid = Vec<Vec<String>>;

/// Largest number of rows read (a guard against pathological files; far above real exports).
pub const MAX_ROWS: usize = 1_000_000;
/// Largest number of columns read per row.
pub const MAX_COLUMNS: usize = 256;

/// Text of a CSV file, whatever its encoding; the second value names the encoding used.
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8");
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes.starts_with(b"\xFF\xFE") {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (text, _, _) = enc.decode(bytes);
        return (text.trim_start_matches('\u{feff}').to_string(), "UTF-16");
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030/GBK")
        }
    }
}

fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    let count = |c: char| first.matches(c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// Reads a CSV file into a grid. Err is a Chinese message naming the line.
pub fn read_csv(bytes: &[u8]) -> Result<(Grid, &'static str), String> {
    let (text, encoding) = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut grid = Grid::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            format!("第{line}行：CSV 格式错误（{e}）")
        })?;
        if grid.len() >= MAX_ROWS {
            return Err(format!("文件超过 {MAX_ROWS} 行，请分批导入"));
        }
        grid.push(
            record
                .iter()
                .take(MAX_COLUMNS)
                .map(|c| c.trim().to_string())
                .collect(),
        );
    }
    Ok((grid, encoding))
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Appends character data and entity references (`&amp;`, `&#x4E2D;`) to `out`.
fn push_text(event: &Event<'_>, out: &mut String) {
    match event {
        Event::Text(t) => out.push_str(t),
        Event::CData(t) => out.push_str(t),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => match r.as_ref() {
                "amp" => out.push('&'),
                "lt" => out.push('<'),
                "gt" => out.push('>'),
                "quot" => out.push('"'),
                "apos" => out.push('\''),
                _ => {}
            },
        },
        _ => {}
    }
}

/// The shared-string table: the text of each `si` (its `t` runs concatenated).
fn shared_strings(xml: &[u8]) -> Result<Vec<String>, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut in_t = 0usize;
    // Phonetic runs (`rPh`) repeat the reading of East Asian text; they are not cell text.
    let mut in_phonetic = 0usize;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?;
        match &event {
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => current = Some(String::new()),
                "t" => in_t += 1,
                "rPh" => in_phonetic += 1,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                "si" => out.push(current.take().unwrap_or_default()),
                "t" => in_t = in_t.saturating_sub(1),
                "rPh" => in_phonetic = in_phonetic.saturating_sub(1),
                _ => {}
            },
            other if in_t > 0 && in_phonetic == 0 => {
                if let Some(s) = current.as_mut() {
                    push_text(other, s);
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Zero-based column of a cell reference such as `B7` or `AA12`.
fn column_of(reference: &str) -> Option<usize> {
    let mut col = 0usize;
    let mut any = false;
    for c in reference.chars() {
        if c.is_ascii_alphabetic() {
            col = col
                .checked_mul(26)?
                .checked_add(usize::from(c.to_ascii_uppercase() as u8 - b'A') + 1)?;
            any = true;
        } else {
            break;
        }
    }
    if any { Some(col - 1) } else { None }
}

/// One-based row of a cell reference.
fn row_of(reference: &str) -> Option<usize> {
    reference
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()
}

/// The worksheet part of the workbook's first sheet.
fn first_sheet_path(archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>) -> Option<String> {
    let workbook = read_entry(archive, "xl/workbook.xml").ok()??;
    let rels = read_entry(archive, "xl/_rels/workbook.xml.rels").ok()??;
    let mut reader = quick_xml::Reader::from_reader(workbook.as_slice());
    let mut buf = Vec::new();
    let mut rid = None;
    while let Ok(event) = reader.read_event_into(&mut buf) {
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                rid = attr(&e, "id");
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    let rid = rid?;
    let mut reader = quick_xml::Reader::from_reader(rels.as_slice());
    let mut buf = Vec::new();
    while let Ok(event) = reader.read_event_into(&mut buf) {
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "Relationship"
                    && attr(&e, "Id").as_deref() == Some(rid.as_str()) =>
            {
                let target = attr(&e, "Target")?;
                let target = target.trim_start_matches('/');
                return Some(if target.starts_with("xl/") {
                    target.to_string()
                } else {
                    format!("xl/{target}")
                });
            }
            _ => {}
        }
        buf.clear();
    }
    None
}

/// Reads the first worksheet of an XLSX workbook into a grid (row `i` = sheet row `i + 1`).
pub fn read_xlsx(bytes: &[u8]) -> Result<Grid, String> {
    let mut archive = open_zip(bytes).map_err(|e| format!("XLSX 文件无法打开：{e}"))?;
    let strings = match read_entry(&mut archive, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml).map_err(|e| format!("XLSX 共享字符串表损坏：{e}"))?,
        None => Vec::new(),
    };
    let path =
        first_sheet_path(&mut archive).unwrap_or_else(|| "xl/worksheets/sheet1.xml".to_string());
    let sheet =
        read_entry(&mut archive, &path)?.ok_or_else(|| "XLSX 文件中没有工作表".to_string())?;
    let mut reader = quick_xml::Reader::from_reader(sheet.as_slice());
    let mut buf = Vec::new();
    let mut grid = Grid::new();
    // The cell being read: (row, column, type, value text, inside <v> or <t>).
    let mut row_no = 0usize;
    let mut col_no = 0usize;
    let mut cell_type = String::new();
    let mut value = String::new();
    let mut in_value = 0usize;
    let mut in_cell = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XLSX 工作表损坏：{e}"))?;
        match &event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "row" => {
                row_no = attr(e, "r")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(row_no + 1);
                col_no = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                in_cell = true;
                let reference = attr(e, "r").unwrap_or_default();
                if let Some(r) = row_of(&reference) {
                    row_no = r;
                }
                col_no = column_of(&reference).unwrap_or(col_no);
                cell_type = attr(e, "t").unwrap_or_default();
                value.clear();
            }
            Event::Empty(e) if e.local_name().as_ref() == "c" => {
                col_no = column_of(&attr(e, "r").unwrap_or_default()).unwrap_or(col_no) + 1;
            }
            Event::Start(e) if matches!(e.local_name().as_ref(), "v" | "t") && in_cell => {
                in_value += 1;
            }
            Event::End(e) if matches!(e.local_name().as_ref(), "v" | "t") => {
                in_value = in_value.saturating_sub(1);
            }
            Event::End(e) if e.local_name().as_ref() == "c" => {
                in_cell = false;
                let text = match cell_type.as_str() {
                    "s" => value
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| strings.get(i).cloned())
                        .unwrap_or_default(),
                    "b" => match value.trim() {
                        "1" => "TRUE".to_string(),
                        _ => "FALSE".to_string(),
                    },
                    _ => value.clone(),
                };
                if row_no == 0 || row_no > MAX_ROWS {
                    return Err(format!("XLSX 工作表超过 {MAX_ROWS} 行，请分批导入"));
                }
                if col_no < MAX_COLUMNS {
                    if grid.len() < row_no {
                        grid.resize(row_no, Vec::new());
                    }
                    let row = &mut grid[row_no - 1];
                    if row.len() <= col_no {
                        row.resize(col_no + 1, String::new());
                    }
                    row[col_no] = text.trim().to_string();
                }
                col_no += 1;
            }
            other if in_value > 0 => push_text(other, &mut value),
            _ => {}
        }
        buf.clear();
    }
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("Z9"), Some(25));
        assert_eq!(column_of("AA12"), Some(26));
        assert_eq!(column_of("12"), None);
        assert_eq!(row_of("AB34"), Some(34));
        assert_eq!(column_of(&"Z".repeat(40)), None);
    }

    #[test]
    fn csv_encodings() {
        let utf8 = "索引号,标题\r\nA-1,通知\r\n".as_bytes();
        let (grid, enc) = read_csv(utf8).expect("utf8");
        assert_eq!(enc, "UTF-8");
        assert_eq!(grid, vec![vec!["索引号", "标题"], vec!["A-1", "通知"]]);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(utf8);
        assert_eq!(read_csv(&bom).expect("bom").0, grid);
        let (gbk, _, _) = encoding_rs::GBK.encode("索引号,标题\r\nA-1,通知\r\n");
        let (grid2, enc) = read_csv(&gbk).expect("gbk");
        assert_eq!(enc, "GB18030/GBK");
        assert_eq!(grid2, grid);
        let semi = "索引号;标题\nA-1;\"通知;二\"\n".as_bytes();
        assert_eq!(read_csv(semi).expect("semi").0[1], vec!["A-1", "通知;二"]);
    }
}
