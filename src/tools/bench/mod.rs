//! The load generator's parts (docs/benchmarks.md): generated configurations, boot storms, reloads
//! under probes, the core's memory, and the statistics they report.

pub mod generate;
pub mod memory;
pub mod process;
pub mod reload;
pub mod stats;
pub mod storm;
