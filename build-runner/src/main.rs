//! `build-runner --job <job.json> --result <result.json>` (local) or, with no arguments and
//! `TRELLIS_JOB_URL` set, AWS mode: performs one deployment.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let job_url = std::env::var("TRELLIS_JOB_URL").ok();
    let code = match (args.is_empty(), job_url) {
        (true, Some(url)) => trellis_build_runner::aws::run(&url).await,
        _ => run_local(&args).await,
    };
    std::process::exit(code);
}

async fn run_local(args: &[String]) -> i32 {
    match trellis_build_runner::parse_args(args) {
        Ok(args) => trellis_build_runner::main_with(args).await,
        Err(e) => {
            eprintln!("build-runner: {e}");
            trellis_build_runner::EXIT_BAD_JOB
        }
    }
}
