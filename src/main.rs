//! The `git-coord` binary: hands the process to the front end the command line asks for.

use git_coord::front::Launch;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = match git_coord::cli::main() {
        Launch::Exit(code) => code,
        Launch::Mcp(flags) => git_coord::mcp::main(flags),
        Launch::Hook { kind, flags, json } => git_coord::hook::main(kind, flags, json),
    };
    std::process::exit(code);
}
