//! Console exports of a table as CSV (UTF-8 with BOM, for Excel and WPS; every cell quoted and
//! spreadsheet formulas neutralised) or XLSX (every cell text except the columns marked as
//! numbers). One place for the download headers too.

use crate::error::{AppError, AppResult};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// A table to export.
pub struct Sheet<'a> {
    /// Worksheet name (at most 31 characters).
    pub name: &'a str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Column indices written as numbers in XLSX.
    pub numeric: Vec<usize>,
}

/// One CSV cell: quoted, with a leading `= + - @` neutralised (CSV injection).
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A file download that is never cached.
pub fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The sheet as a CSV download named `<stem>.csv`.
pub fn csv(sheet: &Sheet<'_>, stem: &str) -> Response {
    let mut out = String::from("\u{feff}");
    let line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| csv_cell(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(&sheet.headers));
    out.push_str("\r\n");
    for row in &sheet.rows {
        out.push_str(&line(row));
        out.push_str("\r\n");
    }
    download(
        out.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("{stem}.csv"),
    )
}

/// The sheet as an XLSX download named `<stem>.xlsx`.
pub fn xlsx(sheet: &Sheet<'_>, stem: &str) -> AppResult<Response> {
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(sheet.name)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string(0, c as u16, h)?;
        }
        for (i, row) in sheet.rows.iter().enumerate() {
            let r = (i + 1) as u32;
            for (c, cell) in row.iter().enumerate() {
                match (sheet.numeric.contains(&c), cell.parse::<f64>()) {
                    (true, Ok(n)) => ws.write_number(r, c as u16, n)?,
                    _ => ws.write_string(r, c as u16, cell)?,
                };
            }
        }
        wb.save_to_buffer()
    };
    let bytes = build().map_err(AppError::internal)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{stem}.xlsx"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_cell("=1+1"), "\"'=1+1\"");
        assert_eq!(csv_cell("培训"), "\"培训\"");
    }
}
