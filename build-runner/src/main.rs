//! `build-runner --job <job.json> --result <result.json>`: performs one deployment.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match trellis_build_runner::parse_args(&args) {
        Ok(args) => trellis_build_runner::main_with(args).await,
        Err(e) => {
            eprintln!("build-runner: {e}");
            trellis_build_runner::EXIT_BAD_JOB
        }
    };
    std::process::exit(code);
}
