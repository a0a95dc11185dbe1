//! The GitHub stand-in as a process of its own, for the dashboard's browser tests: prints
//! `GitHub stand-in at <url>` and serves until killed. Driven over `/_standin/…`.

#[tokio::main]
async fn main() {
    let standin = trellis_e2e::GithubStandIn::start().await;
    println!("GitHub stand-in at {}", standin.url);
    std::future::pending::<()>().await;
}
