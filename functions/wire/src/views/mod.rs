//! The API's JSON shapes, with their OpenAPI schemas.

mod cache;
mod feedback;
mod notifications;
mod preview;
mod previews;
mod requests;
mod resources;
mod schema;
mod team;

pub use cache::*;
pub use feedback::*;
pub use notifications::*;
pub use preview::*;
pub use previews::*;
pub use requests::*;
pub use resources::*;
pub use schema::*;
pub use team::*;
