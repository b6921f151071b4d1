//! Our glob semantics against real git's pathspec globbing (`:(glob)`), on one file list.

use git_coord::engine::glob::Glob;

use crate::support::World;

const FILES: &[&str] = &[
    "README.md",
    "a.ts",
    "src/a.ts",
    "src/b.tsx",
    "src/auth/login.ts",
    "src/auth/deep/token.ts",
    "src/auth_v2/login.ts",
    "src/Auth/upper.ts",
    "docs/guide.md",
    "docs/api/v1.md",
    "x/y/z/w.go",
];

const PATTERNS: &[&str] = &[
    "*.ts",
    "src/*.ts",
    "src/**",
    "src/**/*.ts",
    "**/*.md",
    "src/auth/*",
    "src/auth/**",
    "src/a?.ts",
    "src/[ab].ts*",
    "docs/*/v1.md",
    "**/login.ts",
    "x/**/w.go",
    "src/auth/login.ts",
    "src/Auth/**",
];

#[test]
fn globs_match_what_git_pathspec_globs_match() {
    let w = World::with_files(FILES);
    let a = w.plain_clone("a");
    let mut tracked: Vec<String> = a.git(&["ls-files"]).lines().map(str::to_owned).collect();
    tracked.sort();
    for pat in PATTERNS {
        let git: Vec<String> = a
            .git(&["ls-files", "--", &format!(":(glob){pat}")])
            .lines()
            .map(str::to_owned)
            .collect();
        let g = Glob::new(pat).unwrap();
        let ours: Vec<String> = tracked.iter().filter(|p| g.is_match(p)).cloned().collect();
        assert_eq!(ours, git, "pattern {pat}");
    }
}
