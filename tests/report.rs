//! Reports of a real run (the quickstart example) in every format: snapshots, and each format's
//! structure checked by a parser — JUnit XML counts, HTML tables and inline SVG without external
//! resources (parsed by html5ever through `scraper`, which must report no parse error; also opened
//! in headless Chromium without console messages when `RBENCH_CHROMIUM` is set), OSCAL
//! deterministic and valid against NIST's model (when `RBENCH_OSCAL_VALIDATOR` is set), the JSON
//! Schema of `results.json` up to date and satisfied.

mod report_support;

use std::path::Path;

use quick_xml::events::Event;
use rbench::report::{self, Coverage, Format};
use rbench::results;
use report_support::{quickstart, quickstart_text, rbench, root, run_quickstart, with_failed_gate};

#[test]
fn markdown_report() {
    insta::assert_snapshot!(report::render(&quickstart(), Format::Md, "results.json"));
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(report::render(&quickstart(), Format::Junit, "results.json"));
}

#[test]
fn oscal_report() {
    insta::assert_snapshot!(report::render(&quickstart(), Format::Oscal, "results.json"));
}

#[test]
fn html_report() {
    insta::assert_snapshot!(report::render(&quickstart(), Format::Html, "results.json"));
}

#[test]
fn json_report_is_the_results() {
    let results = quickstart();
    let text = report::render(&results, Format::Json, "results.json");
    let back: rbench::results::RunResults = serde_json::from_str(&text).expect("JSON parses");
    assert_eq!(back, results);
    // A fresh run's own file is written the same way.
    let fresh =
        results::parse(quickstart_text(), Path::new("results.json")).expect("fresh results parse");
    assert_eq!(results::to_json(&fresh), quickstart_text());
}

/// The counts of a JUnit file: test cases, failures, skipped, and the failure messages.
fn junit_counts(xml: &str) -> (usize, usize, usize, Vec<String>) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut cases, mut failures, mut skipped, mut messages) = (0, 0, 0, Vec::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => cases += 1,
                    b"failure" => failures += 1,
                    b"skipped" => skipped += 1,
                    _ => continue,
                }
                if let Some(message) = e.try_get_attribute("message").expect("attributes parse") {
                    messages.push(
                        message
                            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .expect("text")
                            .into_owned(),
                    );
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, failures, skipped, messages)
}

#[test]
fn junit_has_one_case_per_gate_and_fails_failed_require_gates() {
    let results = quickstart();
    assert_eq!(
        junit_counts(&report::render(&results, Format::Junit, "")),
        (5, 0, 0, vec![])
    );
    let failed = with_failed_gate(with_failed_gate(results, "clean_accuracy"), "calibration");
    let xml = report::render(&failed, Format::Junit, "");
    let (cases, failures, skipped, messages) = junit_counts(&xml);
    assert_eq!((cases, failures, skipped), (5, 1, 1));
    assert!(
        xml.contains(r#"failures="1" errors="0" skipped="1""#),
        "{xml}"
    );
    assert!(
        messages[0].starts_with("require gate failed: value 0.9755 (one-sided 95% bound 0.9604)"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("warn gate failed: value 0.0226"),
        "{messages:?}"
    );
}

#[test]
fn html_is_self_contained_with_tables_and_plots() {
    let html = report::render(&quickstart(), Format::Html, "results.json");
    let document = scraper::Html::parse_document(&html);
    assert!(document.errors.is_empty(), "{:?}", document.errors);
    let count = |selector: &str| {
        document
            .select(&scraper::Selector::parse(selector).expect("a selector"))
            .count()
    };
    // Gates, accuracy, gate metrics, coverage summary and controls, provenance.
    assert_eq!(count("table"), 6);
    // Two sweep curves (noise, fgsm) and the per-perturbation bars of the one model.
    assert_eq!(count("figure > svg"), 3);
    assert!(count("svg polyline") >= 2, "the sweep curves are lines");
    assert_eq!(count("script, link, img, iframe, object, embed"), 0);
    assert_eq!(count("style"), 1);
    for element in document.select(&scraper::Selector::parse("*").expect("a selector")) {
        for (name, value) in element.value().attrs() {
            let external = value.contains("://") && !(name == "xmlns" && value.contains("w3.org"));
            assert!(!external, "<{} {name}=\"{value}\">", element.value().name());
        }
    }
    // Every gate is in the gate table with its verdict.
    let rows = count("table:first-of-type tr");
    assert_eq!(rows, 6);
}

#[test]
fn coverage_lists_all_72_subcategories_and_what_fails() {
    let coverage = Coverage::of(&with_failed_gate(quickstart(), "adversarial_floor"));
    let rmf = &coverage.frameworks[0];
    assert_eq!(rmf.controls.len(), 72);
    let measure = rmf
        .groups
        .iter()
        .find(|g| g.group == "MEASURE")
        .expect("MEASURE");
    assert_eq!((measure.controls, measure.evidenced), (22, 3));
    assert_eq!(measure.failing, vec!["MEASURE 2.7".to_string()]);
    let control = rmf
        .controls
        .iter()
        .find(|c| c.id == "MEASURE 2.5")
        .expect("2.5");
    assert_eq!(control.gates, ["clean_accuracy", "noise_tolerance"]);
    assert_eq!(control.status(), "satisfied");
}

#[test]
fn coverage_covers_user_frameworks() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let spec = std::fs::read_to_string(root().join("examples/quickstart.rbench"))
        .expect("the quickstart")
        .replace("\"data/", &format!("\"{}/examples/data/", root().display()))
        .replace(
            "\"models/",
            &format!("\"{}/examples/models/", root().display()),
        );
    let spec = format!(
        "{spec}\nframework internal {{\n  title = \"Internal controls\"\n  control \"IC-1\" \
         \"Accuracy is measured\"\n  control \"IC-2\" \"Robustness is measured\"\n}}\n\n\
         map internal {{\n  \"IC-1\" <- clean_accuracy\n}}\n"
    );
    let path = dir.path().join("spec.rbench");
    std::fs::write(&path, spec).expect("write the spec");
    let out = dir.path().join("out");
    let (code, _, stderr) = rbench(&[
        "run",
        "--no-cache",
        "--quiet",
        // The spec names the repository's files from a temporary folder.
        "--allow-outside",
        "--out",
        &out.display().to_string(),
        &path.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let results = results::read(&out.join("results.json")).expect("results");
    let coverage = Coverage::of(&results);
    let internal = coverage
        .frameworks
        .iter()
        .find(|f| f.name == "internal")
        .expect("the user framework");
    let statuses: Vec<&str> = internal.controls.iter().map(|c| c.status()).collect();
    assert_eq!(statuses, ["satisfied", "not evidenced"]);
    let oscal = report::render(&results, Format::Oscal, "results.json");
    assert!(
        oscal.contains("\"control-id\": \"internal-ic-1\""),
        "{oscal}"
    );
}

#[test]
fn oscal_is_deterministic_and_follows_the_results() {
    let results = quickstart();
    let first = report::render(&results, Format::Oscal, "results.json");
    assert_eq!(
        first,
        report::render(&results, Format::Oscal, "results.json")
    );
    let failed = with_failed_gate(results, "adversarial_floor");
    let document: serde_json::Value =
        serde_json::from_str(&report::render(&failed, Format::Oscal, "results.json"))
            .expect("OSCAL JSON parses");
    let result = &document["assessment-results"]["results"][0];
    let controls: Vec<&str> = result["reviewed-controls"]["control-selections"][0]
        ["include-controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| c["control-id"].as_str().expect("an id"))
        .collect();
    assert_eq!(
        controls,
        ["ai-rmf-ms-2.5", "ai-rmf-ms-2.7", "ai-rmf-ms-2.3"]
    );
    assert_eq!(
        result["observations"]
            .as_array()
            .expect("observations")
            .len(),
        5
    );
    let states: Vec<(&str, &str)> = result["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["target"]["target-id"].as_str().expect("a target"),
                f["target"]["status"]["state"].as_str().expect("a state"),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("ai-rmf-ms-2.5_smt", "satisfied"),
            ("ai-rmf-ms-2.7_smt", "not-satisfied"),
            ("ai-rmf-ms-2.3_smt", "satisfied"),
        ]
    );
    let first: serde_json::Value = serde_json::from_str(&first).expect("OSCAL JSON parses");
    assert_ne!(
        document["assessment-results"]["uuid"],
        first["assessment-results"]["uuid"]
    );
}

/// Validates OSCAL files with `tests/reference/validate_oscal.py`, run by the Python of
/// `RBENCH_OSCAL_VALIDATOR` (a virtual environment with compliance-trestle); skipped without it.
#[test]
fn oscal_validates_against_nists_model() {
    let Some(python) = std::env::var_os("RBENCH_OSCAL_VALIDATOR") else {
        eprintln!("RBENCH_OSCAL_VALIDATOR is not set: OSCAL validation skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let results = quickstart();
    let passing = dir.path().join("passing.json");
    let failing = dir.path().join("failing.json");
    std::fs::write(
        &passing,
        report::render(&results, Format::Oscal, "results.json"),
    )
    .expect("write");
    let failed = with_failed_gate(results, "clean_accuracy");
    std::fs::write(
        &failing,
        report::render(&failed, Format::Oscal, "results.json"),
    )
    .expect("write");
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        report::render(&failed, Format::Oscal, "results.json").replace("not-satisfied", "bad"),
    )
    .expect("write");
    let validate = |file: &Path| {
        std::process::Command::new(&python)
            .arg(root().join("tests/reference/validate_oscal.py"))
            .arg(file)
            .output()
            .expect("run the validator")
    };
    for file in [&passing, &failing] {
        let output = validate(file);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    // The validator does reject what is not OSCAL.
    assert!(!validate(&broken).status.success());
}

#[test]
fn results_schema_is_generated() {
    let path = root().join("docs/results.schema.json");
    let schema = results::json_schema();
    if std::env::var_os("RBENCH_BLESS").is_some() {
        std::fs::write(&path, &schema).expect("write docs/results.schema.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == schema,
        "docs/results.schema.json is stale: regenerate it with \
         `RBENCH_BLESS=1 cargo test --test report results_schema`"
    );
}

#[test]
fn a_runs_results_validate_against_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&results::json_schema()).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let instance: serde_json::Value =
        serde_json::from_str(quickstart_text()).expect("results.json is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut broken = instance.clone();
    broken["gates"][0]["passed"] = serde_json::json!("yes");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn run_writes_the_reports_it_is_asked_for() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    run_quickstart(dir.path(), &["--report", "md,junit,oscal,html"]);
    for name in [
        "results.json",
        "report.md",
        "junit.xml",
        "oscal-assessment-results.json",
    ] {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
    let results = results::read(&dir.path().join("results.json")).expect("results");
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    assert_eq!(html, report::render(&results, Format::Html, "results.json"));
}

#[test]
fn report_command_writes_each_format() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    run_quickstart(dir.path(), &[]);
    let results = dir.path().join("results.json").display().to_string();
    let (code, stdout, _) = rbench(&["report", &results, "--format", "junit"]);
    assert_eq!(code, Some(0));
    assert_eq!(junit_counts(&stdout).0, 5);
    let out = dir.path().join("r.md").display().to_string();
    let (code, stdout, stderr) = rbench(&["report", &results, "--format", "md", "-o", &out]);
    assert_eq!((code, stdout.as_str()), (Some(0), ""), "{stderr}");
    assert!(std::fs::read_to_string(&out)
        .expect("r.md")
        .starts_with("# Benchmark report"));
}

#[test]
fn report_command_rejects_bad_results() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let missing = dir.path().join("missing.json").display().to_string();
    let (code, _, stderr) = rbench(&["report", &missing]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot read"), "{stderr}");
    let old = dir.path().join("old.json");
    std::fs::write(&old, r#"{"schema_version": 1}"#).expect("write");
    let (code, _, stderr) = rbench(&["report", &old.display().to_string()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("results format version 1"), "{stderr}");
    let (code, _, _) = rbench(&["report", &missing, "--format", "pdf"]);
    assert_eq!(code, Some(2));
}

#[test]
fn results_record_the_repository_and_the_host() {
    let results =
        results::parse(quickstart_text(), Path::new("results.json")).expect("fresh results parse");
    let head = std::process::Command::new("git")
        .arg("-C")
        .arg(root())
        .args(["rev-parse", "--verify", "HEAD"])
        .output();
    match head {
        Ok(output) if output.status.success() => {
            let commit = String::from_utf8_lossy(&output.stdout).trim().to_string();
            let repository = results.repository.expect("the spec lies in a work tree");
            assert_eq!(repository.commit, commit);
        }
        // No git, or not a work tree: the field is empty, never an error.
        _ => assert_eq!(results.repository, None),
    }
    assert!(results.host.threads >= 1);
    if std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| info.contains("model name")) {
        assert!(results.host.cpu.is_some());
    }
    assert!(results.started_at <= results.finished_at);
    assert!(
        results.finished_at.ends_with('Z'),
        "{}",
        results.finished_at
    );
    assert_eq!(
        results.branches.len(),
        7,
        "clean, 3 noise and 3 FGSM members"
    );
    let noise: Vec<f64> = results
        .branches
        .iter()
        .filter(|b| b.perturbation.as_deref() == Some("noise"))
        .map(|b| b.swept["sigma"])
        .collect();
    assert_eq!(noise, [0.05, 0.1, 0.2]);
}

#[test]
fn html_compares_models_when_there_are_several() {
    let mut results = quickstart();
    let copies: Vec<_> = results
        .branches
        .iter()
        .map(|b| rbench::results::BranchResult {
            model: "mlp_copy".to_string(),
            accuracy: b.accuracy * 0.9,
            ..b.clone()
        })
        .collect();
    results.branches.extend(copies);
    let html = report::render(&results, Format::Html, "results.json");
    let document = scraper::Html::parse_document(&html);
    let select = |selector: &str| scraper::Selector::parse(selector).expect("a selector");
    let captions: Vec<String> = document
        .select(&select("figcaption"))
        .map(|c| c.text().collect())
        .collect();
    assert_eq!(
        captions,
        [
            "Accuracy against eps of fgsm on digits_test",
            "Accuracy against sigma of noise on digits_test",
            "Accuracy of mlp on digits_test per perturbation",
            "Accuracy of mlp_copy on digits_test per perturbation",
            "Clean accuracy of each model",
        ]
    );
    // Each sweep plot has a line per model.
    let first = document
        .select(&select("figure > svg"))
        .next()
        .expect("a plot");
    assert_eq!(
        first
            .select(&select(r#"polyline[stroke-width="2"]"#))
            .count(),
        2
    );
}

#[cfg(unix)]
#[test]
fn written_reports_are_readable_by_all() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("report.md");
    report::write_atomic(&path, "text").expect("write");
    let mode = std::fs::metadata(&path)
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}

/// Opens `page` in headless Chromium (the binary `RBENCH_CHROMIUM` names); returns the DOM it
/// built and the console messages the page logged.
fn open_in_chromium(chromium: &std::ffi::OsStr, page: &Path) -> (String, Vec<String>) {
    let output = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

/// The HTML report opens in a browser without console errors (a failed fetch, a script error);
/// skipped unless `RBENCH_CHROMIUM` names a Chromium binary (Debian's `chromium`).
#[test]
fn html_opens_in_a_browser_without_console_messages() {
    let Some(chromium) = std::env::var_os("RBENCH_CHROMIUM") else {
        eprintln!("RBENCH_CHROMIUM is not set: the browser check is skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = dir.path().join("report.html");
    std::fs::write(
        &page,
        report::render(&quickstart(), Format::Html, "results.json"),
    )
    .expect("write the report");
    let (dom, console) = open_in_chromium(&chromium, &page);
    assert!(console.is_empty(), "{console:#?}");
    assert_eq!(dom.matches("<svg").count(), 3);
    assert!(dom.contains("Coverage of NIST AI RMF 1.0"));
    // The check does see console messages.
    let bad = dir.path().join("bad.html");
    std::fs::write(&bad, "<script>console.error('boom')</script>").expect("write a page");
    assert_eq!(open_in_chromium(&chromium, &bad).1.len(), 1);
}
