//! git-coord: coordinate agents and people on one repository through `refs/coord/`.
//!
//! Layers point one way: `model` ← `engine`, `store` ← `ops` ← `cli`. Only `cli` prints.

pub mod cli;
pub mod engine;
pub mod mcp;
pub mod model;
pub mod ops;
pub mod store;

#[cfg(test)]
mod layering {
    //! Guards the direction of the layers: model ← engine, store ← ops ← cli/mcp.

    fn sources(dir: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("src dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push((p.display().to_string(), std::fs::read_to_string(&p).expect("source")));
                }
            }
        }
        out
    }

    fn assert_no_imports(dir: &str, forbidden: &[&str]) {
        for (path, text) in sources(dir) {
            for f in forbidden {
                let needle = format!("crate::{f}");
                assert!(
                    !text.contains(&needle),
                    "{path} uses {needle}: layers point one way only"
                );
            }
        }
    }

    #[test]
    fn layers_point_one_way() {
        assert_no_imports("model", &["engine", "store", "ops", "cli", "mcp"]);
        assert_no_imports("engine", &["store", "ops", "cli", "mcp"]);
        assert_no_imports("store", &["engine", "ops", "cli", "mcp"]);
        assert_no_imports("ops", &["cli", "mcp"]);
    }

    #[test]
    fn only_front_ends_print() {
        for dir in ["model", "engine", "store", "ops"] {
            for (path, text) in sources(dir) {
                for f in ["println!", "eprintln!", "print!(", "std::process::exit"] {
                    assert!(!text.contains(f), "{path} uses {f}: only cli/mcp print or exit");
                }
            }
        }
    }
}
