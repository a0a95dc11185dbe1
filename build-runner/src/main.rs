//! `build-runner --job <job.json> --result <result.json>` (local) or, with no arguments and
//! `TRELLIS_DEPLOYMENT_ID` set, AWS mode: performs one deployment.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let aws_deployment = std::env::var("TRELLIS_DEPLOYMENT_ID").ok();
    let code = match (args.is_empty(), aws_deployment) {
        (true, Some(id)) => trellis_build_runner::aws::run(&id).await,
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
