use super::*;

#[test]
fn default_file_parses_to_defaults() {
    assert_eq!(Policy::parse(DEFAULT_POLICY_FILE).unwrap(), Policy::default());
    assert_eq!(Policy::parse("").unwrap(), Policy::default());
}

#[test]
fn reads_values() {
    let p = Policy::parse("[claims]\ndefault_ttl = \"30m\"\nmax_files = 3\nshared_files=[\"Cargo.lock\"]\n[keys]\nnamespaces=[\"queue\"]\n[hook]\nmode=\"warn\"\n").unwrap();
    assert_eq!(p.default_ttl, Span(1800));
    assert_eq!(p.max_files, 3);
    assert_eq!(p.hook_mode, HookMode::Warn);
    assert!(p.namespaces.contains(&"queue".to_string()));
}

#[test]
fn typos_are_errors_naming_the_key() {
    let e = Policy::parse("[claims]\nmax_file = 3\n").unwrap_err().to_string();
    assert!(e.contains("max_file"), "{e}");
    let e = Policy::parse("[claims]\ndefault_ttl = \"soon\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("claims.default_ttl"), "{e}");
    let e = Policy::parse("[hook]\nmode = \"loud\"\n").unwrap_err().to_string();
    assert!(e.contains("loud") || e.contains("mode"), "{e}");
}

#[test]
fn loosening_is_named_and_tightening_is_not() {
    let strict = Policy::parse("[hook]\nbranches = [\"main\"]\n").unwrap();
    let all = Policy::default();
    assert!(strict.loosenings(&all).is_empty(), "every branch guards more");
    assert_eq!(all.loosenings(&strict).len(), 1);
    let off = Policy::parse("[hook]\nmode = \"off\"\n").unwrap();
    assert!(all.loosenings(&off)[0].contains("enforce → off"));
    assert!(off.loosenings(&all).is_empty());
    let trusting = Policy::parse("[hook]\ntrust_push_option = true\n[claims]\nshared_files = [\"x\"]\n").unwrap();
    assert_eq!(all.loosenings(&trusting).len(), 2);
}

#[test]
fn file_limit() {
    let p = Policy::default();
    assert_eq!(p.file_limit(10), 100);
    assert_eq!(p.file_limit(100), 20);
    assert_eq!(p.file_limit(10_000), 100);
}

#[test]
fn a_push_budget_is_pushes_per_minute_or_per_window() {
    let p = Policy::parse("[network]\npush_budget = 120\n").unwrap();
    assert_eq!(
        p.network_push_budget,
        Some(PushBudget {
            pushes: 120,
            per: Span(60)
        })
    );
    let p = Policy::parse("[network]\npush_budget = \"20/10s\"\n").unwrap();
    assert_eq!(
        p.network_push_budget,
        Some(PushBudget {
            pushes: 20,
            per: Span(10)
        })
    );
    assert_eq!(Policy::default().network_push_budget, None);
    for bad in [
        "0",
        "-3",
        "\"5\"",
        "\"x/1m\"",
        "\"5/0s\"",
        "\"5/soon\"",
        "true",
        "\"0/1m\"",
    ] {
        let e = Policy::parse(&format!("[network]\npush_budget = {bad}\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("network.push_budget") && e.contains("pushes per minute"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn compact_after_is_a_history_length_or_zero() {
    assert_eq!(Policy::default().network_compact_after, 10_000);
    let p = Policy::parse("[network]\ncompact_after = 0\n").unwrap();
    assert_eq!(p.network_compact_after, 0);
    let p = Policy::parse("[network]\ncompact_after = 500\n").unwrap();
    assert_eq!(p.network_compact_after, 500);
    for bad in ["1", "-5", "\"many\""] {
        let e = Policy::parse(&format!("[network]\ncompact_after = {bad}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("compact_after"), "{bad}: {e}");
    }
}
