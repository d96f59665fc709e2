//! The progress bar of long operator commands (`reindex`, `import`, `export`) on standard
//! error: done/total, rate per second and the estimated time left.

use std::io::Write;
use std::time::Instant;

/// One line of the bar (starting with `\r`, so it overwrites itself); `unit` is what is
/// counted (篇, 条).
pub fn bar(done: u64, total: u64, started: Instant, unit: &str) -> String {
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let rate = done as f64 / secs;
    let pct = if total == 0 {
        100.0
    } else {
        (done as f64 * 100.0 / total as f64).min(100.0)
    };
    let filled = (pct / 5.0) as usize;
    let eta = if rate > 0.0 && total > done {
        format!("{:.0} 秒", (total - done) as f64 / rate)
    } else {
        "—".into()
    };
    format!(
        "\r[{}{}] {:>5.1}%  {}/{} {unit}  {:.0} {unit}/秒  预计剩余 {}   ",
        "#".repeat(filled.min(20)),
        " ".repeat(20 - filled.min(20)),
        pct,
        done,
        total,
        rate,
        eta
    )
}

/// Draws the bar on standard error unless `quiet`.
pub fn draw(quiet: bool, done: u64, total: u64, started: Instant, unit: &str) {
    if quiet {
        return;
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{}", bar(done, total, started, unit));
    let _ = err.flush();
}
