use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use trellis_local::cli::{Client, ClientArgs, ClientCommand};
use trellis_local::server::{ServeConfig, serve};

/// Trellis: push-to-deploy pipelines for serverless apps, here on one machine.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Where local mode keeps its database, tokens, runs and published sites.
    #[arg(
        long,
        env = "TRELLIS_DATA_DIR",
        default_value = ".trellis",
        global = true
    )]
    data_dir: PathBuf,
    #[command(flatten)]
    client: ClientArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole system locally.
    Serve {
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
        /// The build-runner binary (default: next to this one).
        #[arg(long)]
        runner_bin: Option<PathBuf>,
        /// A built dashboard to serve at / (default: none).
        #[arg(long)]
        dashboard_dir: Option<PathBuf>,
        /// Where deployed sample sites are published (default: `<data-dir>-sites`, beside the
        /// data directory; never inside it).
        #[arg(long)]
        sites_dir: Option<PathBuf>,
        /// The address sites are served on: an origin of their own, apart from the dashboard
        /// and API (default: the --listen port plus one).
        #[arg(long)]
        sites_listen: Option<SocketAddr>,
    },
    #[command(flatten)]
    Client(ClientCommand),
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("trellis: cannot start the async runtime: {e}");
            std::process::exit(4);
        }
    };
    std::process::exit(runtime.block_on(run()));
}

async fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            runner_bin,
            dashboard_dir,
            sites_dir,
            sites_listen,
        } => match serve(ServeConfig {
            data_dir: cli.data_dir,
            listen,
            runner_bin,
            dashboard_dir,
            sites_dir,
            sites_listen,
        })
        .await
        {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("trellis serve: {e}");
                1
            }
        },
        Command::Client(command) => {
            let result = match Client::new(&cli.client, &cli.data_dir) {
                Ok(client) => client.run(command).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("trellis: {}", e.message);
                    e.code
                }
            }
        }
    }
}
