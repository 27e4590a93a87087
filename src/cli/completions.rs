//! `livemod completions SHELL` and `livemod man`: generated from the same clap
//! definition the parser uses ([`super::command`]), so they cannot drift from it.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use clap_complete::Shell;

use super::output::Failure;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command (livemod.1, livemod-groups.1, livemod-groups-list.1, …)
    /// into this directory instead of printing the top page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub(crate) fn completions(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut cmd = super::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "livemod", &mut script);
    write_stdout(&script)
}

pub(crate) fn man(args: &ManArgs) -> Result<(), Failure> {
    let cmd = super::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| Failure::runtime(format!("cannot write to {}: {e}", dir.display())))?;
        eprintln!("man pages written to {}", dir.display());
        return Ok(());
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .map_err(|e| Failure::runtime(format!("cannot render the man page: {e}")))?;
    write_stdout(&page)
}

/// Raw bytes to stdout; a closed pipe (`livemod man | head`) ends quietly.
fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::runtime(format!("cannot write to stdout: {e}"))),
    }
}
