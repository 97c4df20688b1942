//! Shell integration generated from the same clap definitions as the parser: completion
//! scripts and the manual page.

use super::EXIT_OK;
use crate::cli::Cli;
use clap::CommandFactory;
use std::io::Write;

pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mxray", &mut out);
    write_out(&out)
}

pub(super) fn man(command: Option<&str>) -> anyhow::Result<u8> {
    let mut cli = Cli::command();
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => {
            let sub = cli.find_subcommand(name).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "no command {}: `mxray --help` lists them",
                    crate::cli::echo(name)
                )
            })?;
            // The page is named as its cross-reference on the main page: mxray-run(1).
            // (A name is a static string in clap; one page per process, so leaking it is fine.)
            let title: &'static str =
                Box::leak(format!("mxray-{}", sub.get_name()).into_boxed_str());
            sub.name(title).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    write_out(&out)
}

fn write_out(bytes: &[u8]) -> anyhow::Result<u8> {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not mxray's failure.
    let _ = stdout.write_all(bytes);
    let _ = stdout.flush();
    Ok(EXIT_OK)
}
