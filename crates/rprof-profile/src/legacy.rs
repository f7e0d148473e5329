//! placeholder
use crate::{ParseError, Profile};
/// Placeholder until the text readers land.
pub fn parse(_data: &[u8]) -> Option<Result<Profile, ParseError>> { None }
