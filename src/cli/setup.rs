//! `git coord completions SHELL` and `git coord man`: what a shell and `man` need, generated
//! from the same clap definitions as the parser (so they never drift). Neither needs a
//! repository.

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

use super::Cli;
use crate::front::Exit;

/// Print shell completions (bash, zsh, fish, powershell, elvish)
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell; bash's also completes `git coord …` through git's own completion
    shell: clap_complete::Shell,
}

/// Print the man page, or install it where `man git-coord` and `git help coord` find it
#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write git-coord.1 next to this binary (<bin>/../share/man/man1/), or under --dir
    #[arg(long)]
    install: bool,
    /// With --install: the man directory to write man1/git-coord.1 into
    #[arg(long, value_name = "DIR", requires = "install")]
    dir: Option<PathBuf>,
}

pub fn completions(a: &CompletionsArgs) -> i32 {
    let mut out = Vec::new();
    if a.shell == clap_complete::Shell::Bash {
        // clap_complete's bash script mislabels the subcommands of a hyphenated name: build it
        // for a plain name and register that for `git-coord`.
        let mut cmd = Cli::command().name("gitcoord");
        let mut script = Vec::new();
        clap_complete::generate(a.shell, &mut cmd, "gitcoord", &mut script);
        let text = String::from_utf8_lossy(&script).replace(" gitcoord\n", " git-coord\n");
        out.extend_from_slice(text.as_bytes());
        // git's completion calls _git_coord for `git coord …`: hand it to ours, as if the
        // command line were `git-coord …`.
        out.extend_from_slice(
            b"\n_git_coord() {\n    local words=(git-coord \"${words[@]:2}\") cword=$((cword - 1))\n    COMP_WORDS=(git-coord \"${COMP_WORDS[@]:2}\")\n    COMP_CWORD=$((COMP_CWORD - 1))\n    _gitcoord git-coord \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n}\n",
        );
    } else {
        clap_complete::generate(a.shell, &mut Cli::command(), "git-coord", &mut out);
    }
    match std::io::stdout().write_all(&out) {
        Ok(()) => Exit::Ok as i32,
        Err(_) => Exit::Usage as i32,
    }
}

fn page() -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command().name("git-coord"))
        .title("git-coord")
        .section("1")
        .manual("Git Manual")
        .source(format!("git-coord {}", super::VERSION))
        .render(&mut out)
        .expect("because rendering into memory cannot fail");
    out
}

pub fn man(a: &ManArgs, json: bool) -> i32 {
    if !a.install {
        return match std::io::stdout().write_all(&page()) {
            Ok(()) => Exit::Ok as i32,
            Err(_) => Exit::Usage as i32,
        };
    }
    let dir = a.dir.clone().or_else(|| {
        let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
        Some(exe.parent()?.parent()?.join("share").join("man"))
    });
    let Some(dir) = dir else {
        eprintln!("error: cannot tell where this binary lives; pass --dir DIR (for example ~/.local/share/man)");
        return Exit::Usage as i32;
    };
    let path = dir.join("man1").join("git-coord.1");
    let written = std::fs::create_dir_all(path.parent().expect("because it has man1"))
        .and_then(|()| std::fs::write(&path, page()));
    match written {
        Ok(()) => {
            if json {
                println!("{}", serde_json::json!({"installed": path}));
            } else {
                println!("installed {}", path.display());
                println!("`man git-coord` and `git coord --help` (git help coord) read it when {} is on MANPATH (man-db adds it for binaries on PATH)", dir.display());
            }
            Exit::Ok as i32
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            Exit::Usage as i32
        }
    }
}
