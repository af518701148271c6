//! Small pieces of UI used by several pages.

pub mod avatar;
pub mod contact;
pub mod field;
pub mod header;
