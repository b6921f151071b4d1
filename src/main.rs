//! The `git-coord` binary: hands the process to the front end the command line asks for.

use git_coord::front::Launch;

fn main() {
    let code = match git_coord::cli::main() {
        Launch::Exit(code) => code,
        Launch::Mcp {
            dir,
            agent,
            remote,
            offline,
        } => git_coord::mcp::main(dir, agent, remote, offline),
    };
    std::process::exit(code);
}
