//! One module per subcommand family. Each exposes a clap `Args`/`Subcommand` type and a `run`.

pub mod audit;
pub mod backup;
pub mod calendar;
pub mod fee;
pub mod id;
pub mod import;
pub mod keys;
pub mod ops;
pub mod org;
pub mod progress;
pub mod report;
pub mod search;
pub mod serve;
pub mod site;
pub mod text;
pub mod user;
