//! Table exports of the console as CSV and XLSX, in one place: the quoting that defuses
//! spreadsheet formulas (CSV injection), the UTF-8 BOM that lets spreadsheet programs read the
//! Chinese, workbooks with one sheet per table (rust_xlsxwriter), and the download response.
//! The audit log's CSV, the statistics dashboard, the applications list and the work registers
//! use it; a single table goes out with [`table_csv`] / [`table_xlsx`].

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(i64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n)
    }
}

/// A named table: the sheet of a workbook, a block of the CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// At most 31 characters, no `[]:*?/\` (XLSX rules); used as the CSV block's title too.
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Quotes one CSV cell (RFC 4180) and defuses spreadsheet formulas.
pub fn csv_cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) || defused != value {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// One CSV line (CRLF-terminated) of `cells`.
pub fn csv_line(cells: &[&str]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// The tables as one CSV file (UTF-8 with BOM): each table is its title on a line, its header
/// line and its rows, with an empty line between tables. Numbers are written as they are (a
/// negative count cannot occur, so no number is defused).
pub fn csv(sheets: &[Sheet]) -> String {
    let mut out = String::from("\u{feff}");
    for (i, s) in sheets.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(&csv_line(&[&s.name]));
        let headers: Vec<&str> = s.headers.iter().map(String::as_str).collect();
        out.push_str(&csv_line(&headers));
        for row in &s.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => csv_cell(t),
                    Cell::Number(n) => n.to_string(),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// The tables as an XLSX workbook, one sheet each (numbers as numbers).
pub fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name)?;
        for (c, h) in s.headers.iter().enumerate() {
            ws.write_string(0, col(c), h)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Number(n) => ws.write_number(r, col(c), *n as f64)?,
                    Cell::Text(_) => ws.write_string(r, col(c), cell.text())?,
                };
            }
        }
    }
    wb.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Media type of [`xlsx`] workbooks.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Media type of [`csv`] files.
pub const CSV: &str = "text/csv; charset=utf-8";

/// `bytes` as a download named `filename` (ASCII), never cached.
pub fn attachment(bytes: Vec<u8>, media: &'static str, filename: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// One table to download on its own (a register's list): text cells, with the columns in
/// `numeric` written as numbers in XLSX where they parse.
pub struct Table<'a> {
    /// Worksheet name (at most 31 characters).
    pub name: &'a str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Column indices written as numbers in XLSX.
    pub numeric: Vec<usize>,
}

impl Table<'_> {
    fn sheet(&self) -> Sheet {
        Sheet {
            name: self.name.to_string(),
            headers: self.headers.clone(),
            rows: self
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .map(
                            |(c, v)| match (self.numeric.contains(&c), v.parse::<i64>()) {
                                (true, Ok(n)) => Cell::Number(n),
                                _ => Cell::Text(v.clone()),
                            },
                        )
                        .collect()
                })
                .collect(),
        }
    }
}

/// The table as a CSV download named `<stem>.csv`: BOM, header row, rows.
pub fn table_csv(table: &Table<'_>, stem: &str) -> Response {
    let mut out = String::from("\u{feff}");
    let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    out.push_str(&csv_line(&headers));
    for row in &table.rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&csv_line(&cells));
    }
    attachment(out.into_bytes(), CSV, &format!("{stem}.csv"))
}

/// The table as an XLSX download named `<stem>.xlsx`.
pub fn table_xlsx(table: &Table<'_>, stem: &str) -> crate::error::AppResult<Response> {
    let bytes = xlsx(&[table.sheet()]).map_err(crate::error::AppError::internal)?;
    Ok(attachment(bytes, XLSX, &format!("{stem}.xlsx")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("平常"), "平常");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=1+1"), "\"'=1+1\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn tables_become_csv_blocks() {
        let s = Sheet {
            name: "按月份".into(),
            headers: vec!["月份".into(), "条数".into()],
            rows: vec![vec!["1月".into(), Cell::Number(3)]],
        };
        assert_eq!(csv(&[s]), "\u{feff}按月份\r\n月份,条数\r\n1月,3\r\n");
    }
}
