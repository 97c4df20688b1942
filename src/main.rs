use std::process::ExitCode;

fn main() -> ExitCode {
    mxray::app::main()
}
