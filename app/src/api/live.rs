//! The live endpoint's address and events (see `model::live`).

pub use crate::model::live::*;
