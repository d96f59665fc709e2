//! One module per subcommand family. Each exposes a clap `Args`/`Subcommand` type and a `run`.

pub mod calendar;
pub mod fee;
pub mod id;
pub mod serve;
pub mod text;
