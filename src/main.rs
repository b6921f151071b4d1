//! The `git-coord` binary: a thin shell around the library's command-line front end.

fn main() {
    std::process::exit(git_coord::cli::main());
}
