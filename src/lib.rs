//! ntm: criteria grid, drill-down and findings for Vietnam's New Rural Development
//! (Nông thôn mới) data. Data flows one way: bundle (`io`) → `store` → `query` → `eval` → view
//! (`cli`, `tui`).

pub mod audit;
pub mod cli;
pub mod eval;
pub mod files;
pub mod framework;
pub mod hash;
pub mod i18n;
pub mod io;
pub mod model;
pub mod progress;
pub mod query;
pub mod store;
pub mod synth;
pub mod text;
pub mod tui;
