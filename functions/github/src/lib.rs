//! Trellis and GitHub. The GitHub App reads refs and mints clone tokens ([`app`]); sign-in
//! uses the same app's OAuth client ([`oauth`]). Both go through [`https::HttpsClient`].

pub mod app;
pub mod connect;
pub mod feedback;
pub mod https;
pub mod installations;
pub mod notify;
pub mod oauth;
pub mod source;

pub use app::{GITHUB_API, GithubApp, GithubAppCredentials};
pub use connect::GithubConnect;
pub use oauth::{GITHUB_WEB, GithubOAuth};
pub use source::GithubSource;
