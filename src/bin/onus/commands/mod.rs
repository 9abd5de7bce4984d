//! One module per group of commands.

pub mod author;
#[cfg(feature = "demo")]
pub mod demo;
pub mod fork;
pub mod fsck;
pub mod keys;
#[cfg(feature = "og")]
pub mod og;
pub mod publish;
pub mod tiled;
pub mod verify;
