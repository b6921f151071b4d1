//! Symbol trees from real-looking fixtures, touched symbols of real changes, and symbol
//! claims between clones.

use git_coord::engine::symbols::{extract, touched};

use crate::support::{fixture, World};

/// (path, kind, first line, last line)
type Row = (&'static str, &'static str, usize, usize);

fn assert_tree(file: &str, expected: &[Row]) {
    let tree = extract(file, fixture(&format!("symbols/{file}")).as_bytes()).unwrap();
    let got: Vec<(String, String, usize, usize)> = tree
        .symbols
        .iter()
        .map(|s| (s.path.clone(), s.kind.clone(), s.start_line, s.end_line))
        .collect();
    let want: Vec<(String, String, usize, usize)> = expected
        .iter()
        .map(|(p, k, a, b)| (p.to_string(), k.to_string(), *a, *b))
        .collect();
    assert_eq!(got, want, "{file}");
}

#[test]
fn typescript_nested_classes_namespaces_overloads_accessors_and_object_methods() {
    assert_tree(
        "router.ts",
        &[
            ("AuthProvider", "interface", 4, 7),
            ("AuthProvider::login", "method", 5, 5),
            ("AuthProvider::logout", "method", 6, 6),
            ("Role", "enum", 9, 12),
            ("Router", "class", 14, 44),
            ("Router::routes", "field", 15, 15),
            ("Router::constructor", "method", 17, 17),
            ("Router::handleAuth", "method", 19, 26),
            ("Router::handleAuth::audit", "function", 21, 23),
            ("Router::handleLogout", "method", 28, 31),
            ("Router::prefix", "method", 33, 39),
            ("Router::onError", "field", 41, 43),
            ("parse", "function", 46, 50),
            ("Auth::Tokens", "namespace", 52, 62),
            ("Auth::Tokens::sign", "function", 53, 55),
            ("Auth::Tokens::Verifier", "class", 57, 61),
            ("Auth::Tokens::Verifier::verify", "method", 58, 60),
            ("handlers", "const", 64, 69),
            ("handlers::health", "method", 65, 67),
            ("handlers::ready", "method", 68, 68),
            ("Handler", "type", 71, 71),
        ],
    );
}

#[test]
fn tsx_components() {
    assert_tree(
        "Button.tsx",
        &[
            ("ButtonProps", "type", 3, 3),
            ("Button", "const", 5, 12),
            ("Button::handle", "const", 7, 10),
            ("Toolbar", "function", 14, 20),
            ("Panel", "class", 22, 26),
            ("Panel::render", "method", 23, 25),
        ],
    );
}

#[test]
fn javascript_through_the_tsx_grammar() {
    assert_tree(
        "app.js",
        &[
            ("createApp", "function", 3, 7),
            ("Cache", "class", 9, 17),
            ("Cache::constructor", "method", 10, 12),
            ("Cache::get", "method", 14, 16),
        ],
    );
}

#[test]
fn python_decorators_nested_defs_properties_and_overloads() {
    assert_tree(
        "service.py",
        &[
            ("retry", "function", 9, 15),
            ("retry::wrap", "function", 10, 14),
            ("retry::wrap::inner", "function", 11, 13),
            ("Invoice", "class", 18, 33),
            ("Invoice::total", "method", 23, 29),
            ("Invoice::Line", "class", 31, 33),
            ("Invoice::Line::describe", "method", 32, 33),
            ("BillingService", "class", 36, 50),
            ("BillingService::charge", "method", 37, 47),
            ("BillingService::charge::validate", "function", 45, 46),
            ("BillingService::refund", "method", 49, 50),
        ],
    );
}

#[test]
fn go_types_and_receivers() {
    assert_tree(
        "server.go",
        &[
            ("Handler", "interface", 8, 11),
            ("Handler::Serve", "method", 9, 9),
            ("Handler::Name", "method", 10, 10),
            ("Server", "struct", 13, 16),
            ("Box", "struct", 18, 20),
            ("ID", "type", 22, 22),
            ("NewServer", "function", 24, 26),
            ("Server::Handle", "method", 28, 30),
            ("Server::Addr", "method", 32, 34),
            ("Box::Get", "method", 36, 38),
            ("main", "function", 40, 43),
        ],
    );
}

#[test]
fn typescript_factories_objects_default_exports_and_merged_declarations() {
    assert_tree(
        "schemas.ts",
        &[
            // The interface and the implementation of one name: one symbol, kind of the
            // value, both parts covered; the locals of each factory callback nest under it.
            ("$ZodURL", "const", 4, 21),
            ("$ZodURL::normalize", "function", 14, 16),
            ("$ZodEmail", "const", 23, 30),
            ("$ZodEmail::normalize", "function", 24, 26),
            ("useCounter", "const", 32, 38),
            ("useCounter::inc", "method", 34, 34),
            ("useCounter::reset", "method", 35, 37),
            ("routes", "const", 40, 47),
            ("routes::home", "method", 41, 41),
            ("routes::nested", "object", 42, 46),
            ("routes::nested::deep", "method", 43, 45),
            ("limits", "const", 49, 53),
            ("limits::perMinute", "method", 50, 52),
            ("frozen", "const", 55, 59),
            ("frozen::version", "method", 56, 58),
            // With its comment; the test callbacks' locals below are nobody's members.
            ("default", "function", 61, 64),
        ],
    );
    let t = extract("schemas.ts", fixture("symbols/schemas.ts").as_bytes()).unwrap();
    assert_eq!(t.get("$ZodURL").unwrap().lines, [(4, 7), (9, 21)]);
}

#[test]
fn variance_annotations_parse_without_a_syntax_error_and_keep_every_range() {
    // `in` / `out` on type parameters (TypeScript 4.7) are not in the grammar: they are read
    // as spaces, so nothing moves; a parameter named `out` keeps its name.
    assert_tree(
        "variance.ts",
        &[
            ("Schema", "interface", 3, 8),
            ("Schema::parse", "method", 6, 6),
            ("Schema::check", "method", 7, 7),
            ("Transform", "interface", 10, 12),
            ("Transform::apply", "method", 11, 11),
            ("Parser", "type", 14, 14),
            ("Pipeline", "class", 16, 32),
            ("Pipeline::kind", "field", 17, 17),
            ("Pipeline::constructor", "method", 19, 19),
            ("Pipeline::parse", "method", 21, 27),
            ("Pipeline::check", "method", 29, 31),
            ("first", "function", 34, 37),
            ("report", "function", 39, 41),
            ("Sink", "interface", 43, 46),
            ("Sink::write", "method", 45, 45),
        ],
    );
    let text = fixture("symbols/variance.ts");
    let t = extract("variance.ts", text.as_bytes()).unwrap();
    assert_eq!(t.error_line, None, "{t:?}");
    // The same declarations with the modifiers left out parse to the same bytes.
    let plain = text
        .replace("<out O = unknown, in I = unknown>", "<O = unknown, I = unknown>")
        .replace("<in out T, const out R", "<T, const R")
        .replace("Parser<out T>", "Parser<T>")
        .replace("Pipeline<in I, out O>", "Pipeline<I, O>")
        .replace("Sink<in out>", "Sink<out>");
    let p = extract("variance.ts", plain.as_bytes()).unwrap();
    assert_eq!(p.error_line, None);
    let names = |t: &git_coord::engine::symbols::SymbolTree| -> Vec<String> {
        t.symbols.iter().map(|s| s.path.clone()).collect()
    };
    assert_eq!(names(&t), names(&p));
    // Byte ranges are in the file as written.
    let (a, b) = t.get("Pipeline::parse").unwrap().ranges[0];
    assert!(
        text[a..b].starts_with("parse(input: I): O {") && text[a..b].ends_with('}'),
        "{}",
        &text[a..b]
    );
}

#[test]
fn react_factories_and_commonjs_assignments() {
    assert_tree(
        "panel.tsx",
        &[
            ("Props", "type", 3, 3),
            ("Panel", "const", 5, 8),
            ("Panel::heading", "const", 6, 6),
            ("Card", "const", 10, 12),
            ("Badge", "const", 14, 16),
        ],
    );
    assert_tree(
        "legacy.js",
        &[
            ("Widget", "function", 1, 3),
            ("Widget::render", "method", 5, 8),
            ("createWidget", "function", 10, 12),
            ("version", "function", 14, 14),
        ],
    );
}

#[test]
fn the_human_listing_indents_a_symbol_under_the_one_it_nests_in() {
    let w = World::with_sources(&[
        ("legacy.js", fixture("symbols/legacy.js")),
        (
            "proto.js",
            "Gadget.prototype.spin = function () {};\nclass Box {\n  open() {}\n}\n".to_string(),
        ),
    ]);
    let a = w.clone("a");
    let out = a.run(&["symbols", "legacy.js", "proto.js"]).ok().stdout.clone();
    let line = |path: &str| {
        out.lines()
            .find(|l| l.ends_with(&format!(" {path}")))
            .unwrap_or_else(|| panic!("{path} in\n{out}"))
            .to_owned()
    };
    let indent = |l: String| l.len() - l.trim_start().len();
    // Widget is declared: its prototype method is listed under it.
    assert_eq!(indent(line("legacy.js::Widget")), 2, "{out}");
    assert_eq!(indent(line("legacy.js::Widget::render")), 4, "{out}");
    // Gadget is not declared in the file: its method nests in nothing shown.
    assert_eq!(indent(line("proto.js::Gadget::spin")), 2, "{out}");
    assert_eq!(indent(line("proto.js::Box::open")), 4, "{out}");
    // In JSON, `parent` says the same.
    let j = a.run(&["symbols", "legacy.js", "--json"]).json();
    let syms = j["symbols"].as_array().unwrap();
    let at = |p: &str| syms.iter().position(|s| s["path"] == p).unwrap();
    assert_eq!(syms[at("Widget::render")]["parent"], at("Widget"), "{j}");
    assert!(syms[at("Widget")].get("parent").is_none(), "{j}");
}

#[test]
fn ranges_take_their_doc_comments_and_decorators() {
    assert_tree(
        "component.ts",
        &[
            ("Toolbar", "class", 3, 24),
            ("Toolbar::title", "field", 8, 8),
            ("Toolbar::clicks", "field", 10, 11),
            ("Toolbar::onClick", "method", 13, 19),
            ("Toolbar::reset", "method", 21, 23),
        ],
    );
    // A doc-only change touches the symbol it documents; a method decorator, its method.
    let t = touched_case("component.ts", |s| s.replace("Counts a click.", "Counts one click."));
    assert_eq!(t.all(), ["Toolbar::onClick"]);
    let t = touched_case("component.ts", |s| {
        s.replace("@HostListener(\"click\")", "@HostListener(\"dblclick\")")
    });
    assert_eq!(t.all(), ["Toolbar::onClick"]);
    // Go doc comments, Python comments above a def; a trailing comment of the line above
    // and a comment after a blank line are not the declaration's.
    let go = "package main\n\n// Serve answers.\n// It never fails.\nfunc Serve() {\n}\n\nvar x = 1 // note\nfunc Other() {\n}\n";
    let t = extract("a.go", go.as_bytes()).unwrap();
    let rows: Vec<(&str, usize, usize)> = t
        .symbols
        .iter()
        .map(|s| (s.path.as_str(), s.start_line, s.end_line))
        .collect();
    assert_eq!(rows, [("Serve", 3, 6), ("Other", 9, 10)]);
    let py = "# helpers\n\n# Adds.\ndef add(a, b):\n    return a + b\n";
    let t = extract("a.py", py.as_bytes()).unwrap();
    assert_eq!((t.symbols[0].start_line, t.symbols[0].end_line), (3, 5));
}

#[test]
fn a_change_in_a_test_callback_touches_no_symbol_and_an_implementation_its_name() {
    let t = touched_case("schemas.ts", |s| {
        s.replace("const inc = () => 1;", "const inc = () => 2;")
    });
    assert!(t.all().is_empty() && t.outside, "{t:?}");
    let t = touched_case("schemas.ts", |s| {
        s.replace("return url.trim();", "return url.trim().toLowerCase();")
    });
    assert_eq!(t.all(), ["$ZodURL::normalize"]);
    let t = touched_case("schemas.ts", |s| {
        s.replace("payload.issues.push(\"protocol\")", "payload.issues.push(\"scheme\")")
    });
    assert_eq!(t.all(), ["$ZodURL"]);
}

#[test]
fn classic_mac_line_endings_give_real_line_numbers() {
    let src = "def a():\r    pass\r\rclass B:\r    def c(self):\r        pass\r";
    let t = extract("m.py", src.as_bytes()).unwrap();
    let rows: Vec<(&str, usize, usize)> = t
        .symbols
        .iter()
        .map(|s| (s.path.as_str(), s.start_line, s.end_line))
        .collect();
    assert_eq!(rows, [("a", 1, 2), ("B", 4, 6), ("B::c", 5, 6)]);
    let changed = src.replace("        pass", "        return 1");
    let t = touched("m.py", Some(src.as_bytes()), Some(changed.as_bytes())).unwrap();
    assert_eq!(t.all(), ["B::c"]);
}

#[test]
fn symbols_takes_many_files_and_directories_relative_to_where_it_runs() {
    let w = World::with_sources(&[
        ("src/auth/router.ts", fixture("symbols/router.ts")),
        ("src/auth/schemas.ts", fixture("symbols/schemas.ts")),
        ("src/svc/service.py", fixture("symbols/service.py")),
        ("src/svc/notes.txt", "text\n".to_string()),
        ("src/gen/out.ts", "export function generated() {}\n".to_string()),
        (".gitignore", "src/gen/\n".to_string()),
    ]);
    let a = w.clone("a");
    // A directory: its supported files, parsed, in order; ignored files left out.
    let j = a.run(&["symbols", "src", "--json"]).json();
    let files: Vec<&str> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["src/auth/router.ts", "src/auth/schemas.ts", "src/svc/service.py"],
        "{j}"
    );
    assert!(j["bytes"].as_u64().unwrap() > 1000);
    // Several files; a file with no symbol support is skipped with the reason.
    let j = a
        .run(&["symbols", "src/auth/router.ts", "src/svc/notes.txt", "--json"])
        .json();
    assert_eq!(j["files"].as_array().unwrap().len(), 1, "{j}");
    assert!(
        j["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no symbol support"),
        "{j}"
    );
    // From a subdirectory, paths are relative to it (as git takes them)...
    let mut cmd = a.command(None, crate::support::NOW, &["symbols", "router.ts", "--json"]);
    cmd.current_dir(a.dir.join("src/auth"));
    let out: crate::support::Run = cmd.output().unwrap().into();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["file"], "src/auth/router.ts");
    // ...and a path from the root still works there when only it exists.
    let mut cmd = a.command(None, crate::support::NOW, &["symbols", "src/svc/service.py", "--json"]);
    cmd.current_dir(a.dir.join("src/auth"));
    let out: crate::support::Run = cmd.output().unwrap().into();
    assert_eq!(out.json()["file"], "src/svc/service.py", "{}", out.stderr);
    // At a revision too.
    let j = a.run(&["symbols", "src/svc", "--rev", "HEAD", "--json"]).json();
    assert_eq!(j["files"][0]["file"], "src/svc/service.py", "{j}");
    // `.` is the directory it runs in (the root, or a subdirectory), `..` the one above.
    let j = a.run(&["symbols", ".", "--json"]).json();
    assert_eq!(j["files"].as_array().map(Vec::len), Some(3), "{j}");
    for (dir, arg, n) in [("src/auth", ".", 2), ("src/auth", "./", 2), ("src/auth", "..", 3)] {
        let mut cmd = a.command(None, crate::support::NOW, &["symbols", arg, "--json"]);
        cmd.current_dir(a.dir.join(dir));
        let out: crate::support::Run = cmd.output().unwrap().into();
        assert_eq!(out.code, 0, "{arg} in {dir}: {}", out.stderr);
        assert_eq!(out.json()["files"].as_array().map(Vec::len), Some(n), "{arg} in {dir}");
    }
}

#[test]
fn syntax_errors_give_what_can_be_read_and_say_where() {
    let tree = extract("broken.ts", fixture("symbols/broken.ts").as_bytes()).unwrap();
    assert_eq!(tree.error_line, Some(6));
    let paths: Vec<&str> = tree.symbols.iter().map(|s| s.path.as_str()).collect();
    assert!(paths.contains(&"Broken::fine") && paths.contains(&"after"), "{paths:?}");
}

#[test]
fn unknown_languages_binary_and_huge_files_are_explained() {
    let e = extract("notes.txt", b"hello").unwrap_err().to_string();
    assert!(e.contains("no symbol support") && e.contains(".ts"), "{e}");
    // Not UTF-8: read lossily, with a warning; the symbols are still there, lines unchanged.
    let t = extract("a.py", b"# caf\xe9 \xff\ndef f():\n    pass\n").unwrap();
    assert!(
        t.warning.as_deref().is_some_and(|w| w.contains("not valid UTF-8")),
        "{t:?}"
    );
    assert_eq!((t.symbols[0].path.as_str(), t.symbols[0].end_line), ("f", 3));
    let huge = vec![b'x'; git_coord::engine::symbols::MAX_BYTES + 1];
    let e = extract("a.ts", &huge).unwrap_err().to_string();
    assert!(e.contains("bytes"), "{e}");
}

/// (description, file, edit of the fixture, expected old side, expected new side, outside)
fn touched_case(file: &str, edit: impl Fn(&str) -> String) -> git_coord::engine::symbols::Touched {
    let old = fixture(&format!("symbols/{file}"));
    let new = edit(&old);
    assert_ne!(old, new, "the edit must change something");
    touched(file, Some(old.as_bytes()), Some(new.as_bytes())).unwrap()
}

#[test]
fn touched_symbols_of_edits_deletions_renames_and_module_code() {
    // An edit inside one method touches that method only.
    let t = touched_case("router.ts", |s| {
        s.replace("res.send({ ok: true });", "res.send({ ok: false });")
    });
    assert_eq!(
        (t.old.clone(), t.new.clone(), t.outside),
        (
            vec!["Router::handleLogout".to_string()],
            vec!["Router::handleLogout".to_string()],
            false
        )
    );
    // A nested function.
    let t = touched_case("router.ts", |s| s.replace("[auth] ${message}", "[auth:v2] ${message}"));
    assert_eq!(t.all(), ["Router::handleAuth::audit"]);
    // A rename touches the old name and the new one.
    let t = touched_case("router.ts", |s| s.replace("handleLogout(req", "handleSignOut(req"));
    assert_eq!(t.old, ["Router::handleLogout"]);
    assert_eq!(t.new, ["Router::handleSignOut"]);
    // Deleting a method touches it on the old side.
    let t = touched_case("server.go", |s| {
        s.replace("func (s Server) Addr() string {\n\treturn s.addr\n}\n", "")
    });
    assert!(t.old.contains(&"Server::Addr".to_string()), "{t:?}");
    assert!(!t.new.contains(&"Server::Addr".to_string()), "{t:?}");
    // Imports and module-level code touch the file but no symbol.
    let t = touched_case("service.py", |s| s.replace("RATE = 0.2", "RATE = 0.25"));
    assert!(t.all().is_empty() && t.outside, "{t:?}");
    let t = touched_case("router.ts", |s| {
        s.replace(
            "import { Session } from \"./session\";",
            "import { Session, Token } from \"./session\";",
        )
    });
    assert!(t.all().is_empty() && t.outside, "{t:?}");
    // A decorator belongs to its definition.
    let t = touched_case("service.py", |s| s.replace("@retry(3)", "@retry(5)"));
    assert_eq!(t.all(), ["BillingService::charge"]);
    // A Go method with a pointer receiver.
    let t = touched_case("server.go", |s| {
        s.replace("s.routes[path] = h", "s.routes[path+\"/\"] = h")
    });
    assert_eq!(t.all(), ["Server::Handle"]);
    // Adding a method to a class touches the class on the new side.
    let t = touched_case("router.ts", |s| {
        s.replace("  onError = ", "  reset(): void {}\n\n  onError = ")
    });
    assert!(t.new.contains(&"Router::reset".to_string()), "{t:?}");
}

#[test]
fn touched_symbols_of_added_and_deleted_files() {
    let src = fixture("symbols/app.js");
    let added = touched("app.js", None, Some(src.as_bytes())).unwrap();
    assert!(added.new.contains(&"createApp".to_string()) && added.new.contains(&"Cache::get".to_string()));
    let deleted = touched("app.js", Some(src.as_bytes()), None).unwrap();
    assert!(deleted.old.contains(&"Cache::constructor".to_string()));
}

fn symbol_world() -> World {
    World::with_sources(&[
        ("src/auth/router.ts", fixture("symbols/router.ts")),
        ("src/auth/auth.py", "class Auth:\n    def login(self):\n        def inner():\n            pass\n        return inner\n\n\nclass AuthX:\n    def login(self):\n        pass\n".to_string()),
        ("src/notes.txt", "plain text\n".to_string()),
        ("README.md", "# readme\n".to_string()),
    ])
}

#[test]
fn two_agents_edit_different_methods_of_one_class() {
    let w = symbol_world();
    let a = w.clone("a");
    let b = w.clone("b");
    let c = w.clone("c");
    let j = a
        .as_("alice", &["claim", "src/auth/router.ts::Router::handleAuth", "--json"])
        .json();
    assert_eq!(j["decision"], "granted");
    assert_eq!(j["claims"][0]["scope"]["kind"], "symbol");
    let j = b.as_("bob", &["claim", "src/auth/router.ts::Router::handleLogout", "--json"]);
    j.ok();
    assert_eq!(j.json()["decision"], "coexist");
    let r = c.as_("carol", &["claim", "src/auth/router.ts::Router", "--json"]);
    r.code(1);
    let j = r.json();
    let mut holders: Vec<&str> = j["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["claim"]["agent"].as_str().unwrap())
        .collect();
    holders.sort();
    assert_eq!(holders, ["alice", "bob"]);
    assert_eq!(j["conflicts"][0]["symbols"].as_array().unwrap().len(), 1);
    // A whole-file claim meets both too; an unrelated symbol does not.
    c.as_("carol", &["check", "src/auth/router.ts"]).code(1);
    c.as_("carol", &["claim", "src/auth/router.ts::parse"]).ok();
    let who = c.as_("carol", &["who", "src/auth/router.ts", "--json"]).json();
    assert_eq!(who["claims"].as_array().unwrap().len(), 3);
}

#[test]
fn symbol_prefixes_overlap_only_on_segment_boundaries() {
    let w = symbol_world();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/auth/auth.py::Auth::login"]).ok();
    b.as_("bob", &["check", "src/auth/auth.py::AuthX::login"]).ok();
    b.as_("bob", &["claim", "src/auth/auth.py::AuthX::login"]).ok();
    b.as_("bob", &["check", "src/auth/auth.py::Auth::login::inner"]).code(1);
    b.as_("bob", &["check", "src/auth/auth.py::Auth"]).code(1);
}

#[test]
fn a_symbol_typo_is_refused_with_the_closest_names() {
    let w = symbol_world();
    let a = w.clone("a");
    let r = a.as_("alice", &["claim", "src/auth/router.ts::Router::handleAuht"]);
    r.code(2);
    assert!(r.stderr.contains("has no symbol Router::handleAuht"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean Router::handleAuth"), "{}", r.stderr);
    a.as_("alice", &["claim", "src/auth/router.ts::Router::handleReset", "--new"])
        .ok();
    a.as_("alice", &["claim", "src/auth/brand_new.ts::Widget", "--new"])
        .ok();
    let r = a.as_("alice", &["claim", "src/notes.txt::Intro"]);
    r.code(2);
    assert!(
        r.stderr.contains("no symbol support") && r.stderr.contains("claim the whole file"),
        "{}",
        r.stderr
    );
    a.as_("alice", &["claim", "src/notes.txt"]).ok();
}

#[test]
fn symbols_command_lists_paths_for_people_and_programs() {
    let w = symbol_world();
    let a = w.clone("a");
    let r = a.as_("alice", &["symbols", "src/auth/router.ts", "--json"]);
    r.ok();
    let j = r.json();
    assert_eq!(j["language"], "typescript");
    let paths: Vec<&str> = j["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"Router::handleAuth") && paths.contains(&"Auth::Tokens::Verifier::verify"),
        "{paths:?}"
    );
    let h = a.as_("alice", &["symbols", "src/auth/router.ts"]);
    assert!(
        h.stdout.contains("src/auth/router.ts::Router::handleAuth"),
        "{}",
        h.stdout
    );
    // At a revision: the file before an edit.
    a.write("src/auth/router.ts", "export function only() {}\n");
    let now = a.as_("alice", &["symbols", "src/auth/router.ts", "--json"]).json();
    assert_eq!(now["symbols"].as_array().unwrap().len(), 1);
    let head = a
        .as_("alice", &["symbols", "src/auth/router.ts", "--rev", "HEAD", "--json"])
        .json();
    assert_eq!(head["source"], "HEAD");
    assert!(head["symbols"].as_array().unwrap().len() > 10);
    a.as_("alice", &["symbols", "src/missing.ts"]).code(2);
    a.as_("alice", &["symbols", "src/notes.txt"]).code(2);
}

#[test]
fn a_narrowable_whole_file_claim_is_really_narrowed_and_its_holder_told() {
    let w = symbol_world();
    let a = w.clone("a");
    let b = w.clone("b");
    let c = w.clone("c");
    let held = a
        .as_("alice", &["claim", "src/auth/router.ts", "--narrowable", "--json"])
        .json();
    let alice_id = held["claims"][0]["id"].as_str().unwrap().to_owned();
    // Without --narrowable a whole-file claim blocks symbol claims.
    c.as_("carol", &["check", "src/auth/router.ts::Router::handleAuth"])
        .code(1);
    let r = b.as_("bob", &["claim", "src/auth/router.ts::Router::handleAuth", "--json"]);
    r.ok();
    assert_eq!(r.json()["decision"], "narrowed");
    let bob_id = r.json()["claims"][0]["id"].as_str().unwrap().to_owned();
    // The carved-out symbol is bob's now, not alice's; the rest of the file is still alice's.
    let r = c.as_("carol", &["claim", "src/auth/router.ts::Router::handleAuth", "--json"]);
    r.code(1);
    let j = r.json();
    let holders: Vec<&str> = j["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["claim"]["agent"].as_str().unwrap())
        .collect();
    assert_eq!(holders, ["bob"]);
    c.as_("carol", &["check", "src/auth/router.ts"]).code(1);
    // status shows it, and alice is told once.
    let s = a.as_("alice", &["status", "--json"]);
    let j = s.json();
    let mine = j["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == alice_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["narrowed"][0]["symbol"], "Router::handleAuth");
    assert_eq!(mine["narrowed"][0]["by"], "bob");
    assert!(
        s.stderr
            .contains("was narrowed: bob holds src/auth/router.ts::Router::handleAuth"),
        "{}",
        s.stderr
    );
    let again = a.as_("alice", &["status"]);
    assert!(
        !again.stderr.contains("was narrowed"),
        "told only once: {}",
        again.stderr
    );
    assert!(
        again
            .stdout
            .contains("narrowed: except src/auth/router.ts::Router::handleAuth held by bob"),
        "{}",
        again.stdout
    );
    // When bob lets go, the symbol is alice's again.
    b.as_("bob", &["release", &bob_id]).ok();
    let r = c.as_("carol", &["check", "src/auth/router.ts::Router::handleAuth", "--json"]);
    assert_eq!(r.json()["conflicts"][0]["claim"]["agent"], "alice");
    // --narrowable is for whole files only.
    a.as_("alice", &["claim", "src/**", "--narrowable"]).code(2);
}

/// Side effects of a write happen once, after its compare-and-swap wins: a holder whose
/// claim loses races on the way is still told, once, that its claim was narrowed.
#[test]
fn the_narrowing_notice_arrives_even_when_the_write_loses_races() {
    let w = symbol_world();
    let a = w.clone("a");
    let b = w.clone("b");
    a.as_("alice", &["claim", "src/auth/router.ts", "--narrowable"]).ok();
    b.as_("bob", &["claim", "src/auth/router.ts::Router::handleAuth"]).ok();
    // A claim in the shard bob just wrote (src/): alice's first push really loses, then
    // three more are made to lose; she plans again on the fetched board each time.
    let r = a
        .command(
            Some("alice"),
            crate::support::NOW,
            &["claim", "src/notes.txt", "--json"],
        )
        .env("GIT_COORD_CRASH_AT", "lose-races=3")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let j: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(stderr.matches("was narrowed").count(), 1, "{stderr}");
    assert_eq!(j["notices"].as_array().map(Vec::len), Some(1), "{j}");
    // Told once: the next command says nothing more.
    let again = a.as_("alice", &["claim", "db:orders"]);
    assert!(!again.stderr.contains("was narrowed"), "{}", again.stderr);
}

#[test]
fn a_change_on_a_class_own_lines_concerns_the_whole_class_claim_not_its_methods() {
    use crate::enforce::{edit, world};
    let w = world();
    let a = w.clone_hooked("a");
    let b = w.clone_hooked("b");
    a.as_("alice", &["claim", "src/auth/router.ts::Router::handleAuth"])
        .ok();
    let base = b.git(&["rev-parse", "HEAD"]).trim().to_owned();
    let range = format!("{base}..HEAD");
    // A new field, a blank line between two methods, a changed field initialiser: the class's
    // own part, which alice's method claim does not hold.
    edit(
        &b,
        "src/auth/router.ts",
        "  private routes = new Map<string, Handler>();\n",
        "  private routes = new Map<string, Handler>([]);\n  private hits = 0;\n",
    );
    edit(
        &b,
        "src/auth/router.ts",
        "  }\n\n  handleLogout(",
        "  }\n\n\n  handleLogout(",
    );
    b.commit_all("router fields and spacing");
    let r = b.as_("bob", &["verify", &range, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // A holder of the whole class is concerned by the same change.
    let c = w.clone_hooked("c");
    a.as_("alice", &["release", "--all"]).ok();
    c.as_("carol", &["claim", "src/auth/router.ts::Router"]).ok();
    let r = b.as_("bob", &["verify", &range, "--json"]);
    r.code(1);
    assert!(r.stdout.contains("\"symbol\":\"Router"), "{}", r.stdout);
    // Renaming the class reaches every method in it: a method's holder is concerned.
    c.as_("carol", &["release", "--all"]).ok();
    a.as_("alice", &["claim", "src/auth/router.ts::Router::handleAuth"])
        .ok();
    edit(
        &b,
        "src/auth/router.ts",
        "export class Router {",
        "export class AuthRouter {",
    );
    b.commit_all("rename");
    let r = b.as_("bob", &["verify", &range, "--json"]);
    r.code(1);
    assert!(r.stdout.contains("handleAuth"), "{}", r.stdout);
}

/// Rust, Java, C#, C, C++, Ruby, PHP and Kotlin: nesting as written, doc comments and
/// annotations in the ranges, and the touched symbol of a real edit in each.
#[test]
#[cfg(all(
    feature = "lang-rust",
    feature = "lang-java",
    feature = "lang-csharp",
    feature = "lang-c",
    feature = "lang-cpp",
    feature = "lang-ruby",
    feature = "lang-php",
    feature = "lang-kotlin"
))]
fn every_language_a_team_uses_nests_as_written() {
    assert_tree(
        "more/Account.java",
        &[
            ("Account", "class", 3, 24),
            ("Account::balance", "field", 7, 7),
            ("Account::Account", "constructor", 9, 11),
            ("Account::deposit", "method", 13, 17),
            ("Account::Listener", "interface", 19, 21),
            ("Account::Listener::changed", "method", 20, 20),
            ("Account::State", "enum", 23, 23),
        ],
    );
    assert_tree(
        "more/Cart.php",
        &[
            ("Cart", "class", 4, 16),
            ("Cart::add", "method", 11, 15),
            ("cart_total", "function", 18, 21),
        ],
    );
    assert_tree(
        "more/Queue.kt",
        &[
            ("Queue", "class", 3, 12),
            ("Queue::push", "method", 5, 7),
            ("Queue::Factory", "object", 9, 11),
            ("Queue::Factory::create", "method", 10, 10),
            ("Registry", "object", 14, 16),
            ("Registry::all", "method", 15, 15),
            ("main", "function", 18, 20),
        ],
    );
    assert_tree(
        "more/Store.cs",
        &[
            ("Shop::Orders", "namespace", 3, 25),
            ("Shop::Orders::Store", "class", 5, 19),
            ("Shop::Orders::Store::Count", "property", 9, 9),
            ("Shop::Orders::Store::Store", "constructor", 11, 11),
            ("Shop::Orders::Store::Add", "method", 13, 18),
            ("Shop::Orders::Store::Add::Hash", "function", 16, 16),
            ("Shop::Orders::IStore", "interface", 21, 24),
            ("Shop::Orders::IStore::Add", "method", 23, 23),
        ],
    );
    assert_tree(
        "more/billing.rb",
        &[
            ("Billing", "module", 1, 16),
            ("Billing::Invoice", "class", 2, 15),
            ("Billing::Invoice::initialize", "method", 4, 6),
            ("Billing::Invoice::total", "method", 8, 10),
            ("Billing::Invoice::empty", "method", 12, 14),
        ],
    );
    assert_tree(
        "more/list.c",
        &[
            ("node", "struct", 3, 7),
            ("node_t", "type", 9, 9),
            ("list_push", "function", 11, 17),
            ("list_len", "function", 19, 23),
        ],
    );
    assert_tree(
        "more/router.cpp",
        &[
            ("http", "namespace", 3, 23),
            ("http::Router", "class", 5, 12),
            ("http::Router::handle", "method", 8, 16),
            ("http::Router::count", "method", 9, 9),
            ("http::twice", "function", 18, 21),
        ],
    );
    assert_tree(
        "more/shapes.rs",
        &[
            ("Point", "struct", 3, 25),
            ("Point::origin", "method", 11, 14),
            ("Point::dist", "method", 16, 18),
            ("Point::fmt", "method", 22, 24),
            ("Shape", "trait", 27, 29),
            ("Shape::area", "method", 28, 28),
            ("Kind", "enum", 31, 34),
            ("geometry", "module", 36, 40),
            ("geometry::scale", "function", 37, 39),
        ],
    );
    let edits: [(&str, &str, &str, &str); 8] = [
        ("more/shapes.rs", "v * 2.0", "v * 3.0", "geometry::scale"),
        (
            "more/Account.java",
            "balance += amount;",
            "balance += 2 * amount;",
            "Account::deposit",
        ),
        (
            "more/Store.cs",
            "Count += Hash(id);",
            "Count -= Hash(id);",
            "Shop::Orders::Store::Add",
        ),
        ("more/list.c", "n++;", "n += 1;", "list_len"),
        (
            "more/router.cpp",
            "n_ += static_cast",
            "n_ -= static_cast",
            "http::Router::handle",
        ),
        (
            "more/billing.rb",
            "@lines.sum",
            "@lines.sum + 0",
            "Billing::Invoice::total",
        ),
        (
            "more/Cart.php",
            "$this->items[] = $sku;",
            "array_push($this->items, $sku);",
            "Cart::add",
        ),
        ("more/Queue.kt", "println(job)", "print(job)", "Queue::push"),
    ];
    for (file, from, to, symbol) in edits {
        let t = touched_case(file, |s| s.replace(from, to));
        assert_eq!(t.all(), [symbol], "{file}");
    }
}

#[test]
fn deep_nesting_answers_in_size_linear_in_the_symbols() {
    let n = 3000;
    let mut src = String::new();
    for i in 0..n {
        src.push_str(&format!("function f{i}() {{\n"));
    }
    src.push_str(&"}\n".repeat(n));
    let t = extract("deep.js", src.as_bytes()).unwrap();
    assert_eq!(t.symbols.len(), n);
    let json = serde_json::to_string(&t).unwrap();
    assert!(json.len() < n * 200, "{} bytes for {n} symbols", json.len());
    // Each symbol names its parent; the chain gives the full path back.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let syms = v["symbols"].as_array().unwrap();
    let mut at = n - 1;
    let mut names = vec![syms[at]["name"].as_str().unwrap()];
    while let Some(p) = syms[at]["parent"].as_u64() {
        at = p as usize;
        names.push(syms[at]["name"].as_str().unwrap());
    }
    assert_eq!(names.len(), n);
    assert_eq!(names.last(), Some(&"f0"));
    // Shallow paths are still given whole.
    assert_eq!(syms[2]["path"], "f0::f1::f2");
}

#[test]
fn generic_call_signatures_on_their_own_lines_parse_without_a_syntax_error() {
    // `(value: string): boolean` then `<T …>(value: T…): T` with no `;`: TypeScript ends the
    // member at the line break; the grammar read one comparison, a syntax error that cut
    // `Checker` and `CheckerOptions` short and lost `Checker::describe` and `Pick2`. A `;`
    // is read in the blank before `<`, so nothing moves.
    assert_tree(
        "signatures.ts",
        &[
            ("Checker", "interface", 1, 8),
            ("Checker::describe", "method", 7, 7),
            ("Pick2", "type", 10, 13),
            ("CheckerOptions", "interface", 15, 18),
            ("Registry", "class", 20, 30),
            ("Registry::items", "field", 21, 21),
            ("Registry::add", "method", 23, 25),
            ("Registry::get", "method", 27, 29),
            ("lookup", "function", 32, 34),
        ],
    );
    let text = fixture("symbols/signatures.ts");
    let t = extract("signatures.ts", text.as_bytes()).unwrap();
    assert_eq!(t.error_line, None, "{t:?}");
    let (a, b) = t.get("Registry::add").unwrap().ranges[0];
    assert!(
        text[a..b].starts_with("add(name: string") && text[a..b].ends_with('}'),
        "{}",
        &text[a..b]
    );
}

/// Bodies written on one line (`companion object { … }`, `enum class E { A, B }`) are a
/// syntax error for the Kotlin grammar, which took the class around them down: read here with
/// the blank before their `}` as a `;` (see `engine::symbols::kotlin`).
#[test]
#[cfg(feature = "lang-kotlin")]
fn kotlin_one_line_bodies_keep_their_class_and_members() {
    assert_tree(
        "more/Settings.kt",
        &[
            ("SettingsRepository", "class", 5, 20),
            ("SettingsRepository::Theme", "class", 9, 9),
            ("SettingsRepository::theme", "method", 11, 15),
            ("SettingsRepository::Keys", "object", 17, 17),
            ("SettingsRepository::save", "method", 19, 19),
            ("defaults", "function", 22, 22),
        ],
    );
    let text = fixture("symbols/more/Settings.kt");
    let t = extract("Settings.kt", text.as_bytes()).unwrap();
    assert_eq!(t.error_line, None, "{t:?}");
    // Ranges are in the file as written.
    let (a, b) = t.get("SettingsRepository::save").unwrap().ranges[0];
    assert!(
        text[a..b].starts_with("fun save(") && text[a..b].ends_with("apply() }"),
        "{}",
        &text[a..b]
    );
    // As written, this class was not listed at all.
    let t = extract(
        "S.kt",
        b"class S {\n    companion object { fun make(): Int { return 1 } }\n}\n",
    )
    .unwrap();
    let paths: Vec<&str> = t.symbols.iter().map(|s| s.path.as_str()).collect();
    assert_eq!((paths, t.error_line), (vec!["S", "S::make"], None));
}

/// C# 10's file-scoped `namespace A.B;` holds the rest of the file, as `namespace A.B { … }`
/// holds its block: the same paths either way.
#[test]
#[cfg(feature = "lang-csharp")]
fn csharp_file_scoped_namespaces_nest_what_follows() {
    assert_tree(
        "more/Orders.cs",
        &[
            ("Shop::Orders", "namespace", 3, 18),
            ("Shop::Orders::OrderBook", "class", 5, 16),
            ("Shop::Orders::OrderBook::Count", "property", 10, 10),
            ("Shop::Orders::OrderBook::Add", "method", 12, 15),
            ("Shop::Orders::OrderLine", "record", 18, 18),
        ],
    );
    let t = touched_case("more/Orders.cs", |s| s.replace("_ids.Add(id)", "_ids.Insert(0, id)"));
    assert_eq!(t.all(), ["Shop::Orders::OrderBook::Add"]);
}
