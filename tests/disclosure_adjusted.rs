//! The adjusted comparisons under disclosure control (src/disclosure/adjusted.rs): subgroup
//! rows, adjusted curves, propensity weights and RMST differences in the report JSON export,
//! attacked as in tests/disclosure_attacks.rs.

use cohort::export::{export_bytes, ExportInput, ExportKind};
use cohort::{analyze, read_table, AnalysisSpec, ReadOptions, Report};
use serde_json::Value;

fn load(file: &str, spec: &str) -> (cohort::Table, Report) {
    let path = format!("{}/tests/reference/designs/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let spec = AnalysisSpec::from_json(spec).unwrap();
    let table = read_table(&bytes, file, &ReadOptions::from_spec(&spec)).unwrap();
    let report = analyze(&table, &spec).unwrap();
    (table, report)
}

fn exported(table: &cohort::Table, report: &Report, k: u32) -> Value {
    let input = ExportInput { report, table: Some(table), file: "x.csv", k, plot: Default::default(), width: 900, height: 600 };
    serde_json::from_slice(&export_bytes(ExportKind::ReportJson, &input).unwrap()).unwrap()
}

const SUBGROUPS: &str = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","subgroups":["celltype","prior"]}"#;

/// Unprotected, a subgroup row gives its n and events, and (Cox variance ≈ 1/d₁ + 1/d₀) its
/// se gives the events back; protected at k, no row releases a count below k, a complement
/// below k, or the HR of a row with fewer than k patients or events.
#[test]
fn subgroup_rows_release_no_count_below_k() {
    let (table, report) = load("designs_veteran.csv", SUBGROUPS);
    let k = 30;
    assert!(report.subgroups.iter().any(|s| s.n < k), "the case must have a small level");
    let out = exported(&table, &report, k as u32);
    let rows = out["subgroups"].as_array().unwrap();
    assert_eq!(rows.len(), report.subgroups.len());
    for (row, orig) in rows.iter().zip(&report.subgroups) {
        let (n, e) = (row["n"].as_u64().unwrap() as usize, row["events"].as_u64().unwrap() as usize);
        assert!(n == 0 || (n >= k && e >= k && n - e >= k), "{row}");
        if orig.n < k || orig.events < k {
            assert!(row["hr"].is_null() && row["se"].is_null() && row["lower"].is_null(), "{row}");
        }
    }
    assert!(out["disclosure"]["subgroups"].as_array().unwrap().len() >= 1);
}

/// Adjusted curves: every two consecutive released steps (and the first from time 0) span at
/// least k events of the cohort, and every released time has at least k at risk; unprotected,
/// consecutive steps are single event times.
#[test]
fn adjusted_curve_steps_rest_on_at_least_k_events() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","covariates":["karno","age"],"adjusted":"direct","times":[30,90]}"#;
    let (table, report) = load("designs_veteran.csv", spec);
    // Events and at-risk of the whole cohort at each time, from the unprotected curves.
    let mut times: Vec<(f64, f64, f64)> = Vec::new();
    let mut all: Vec<f64> = report.km.iter().flat_map(|c| c.steps.iter().map(|s| s.time)).collect();
    all.sort_by(f64::total_cmp);
    all.dedup();
    for t in all {
        let (mut d, mut n) = (0.0, 0.0);
        for c in &report.km {
            let i = c.steps.partition_point(|s| s.time < t);
            if let Some(s) = c.steps.get(i) {
                n += s.n_risk;
                if s.time == t {
                    d += s.n_event;
                }
            }
        }
        times.push((t, d, n));
    }
    assert!(report.adjusted[0].steps.len() > 50);
    for k in [5u32, 10, 20] {
        let out = exported(&table, &report, k);
        for a in out["adjusted"].as_array().unwrap() {
            let steps = a["steps"].as_array().unwrap();
            assert!(!steps.is_empty());
            let mut prev = 0.0;
            for s in steps {
                let t = s["time"].as_f64().unwrap();
                let events: f64 = times.iter().filter(|x| x.0 > prev && x.0 <= t).map(|x| x.1).sum();
                let at_risk = times.iter().find(|x| x.0 == t).unwrap().2;
                assert!(events >= k as f64, "k {k}: steps {prev} → {t} span {events} events");
                assert!(at_risk >= k as f64, "k {k}: {at_risk} at risk at {t}");
                prev = t;
            }
        }
    }
}

/// Propensity weighting: no single patient's weight or score leaves.
#[test]
fn propensity_releases_no_single_patient_value() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","propensity":{"treatment":"trt","covariates":["karno","age","celltype"],"estimand":"ATE"}}"#;
    let (table, report) = load("designs_veteran.csv", spec);
    assert!(report.propensity.as_ref().unwrap().ess[0].max_weight.is_finite());
    let out = exported(&table, &report, 5);
    for e in out["propensity"]["ess"].as_array().unwrap() {
        for f in ["min_weight", "max_weight", "ps_min", "ps_max"] {
            assert!(e[f].is_null(), "{f} released: {e}");
        }
        assert!(e["ess"].as_f64().is_some());
    }
}

/// An RMST difference against a group withheld for its size would give that group's RMST by
/// subtraction: it is not released.
#[test]
fn rmst_difference_with_a_small_group_is_not_released() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"celltype","rmst_tau":200,"filters":[{"column":"trt","op":"in","values":["1"]}]}"#;
    let (table, report) = load("designs_veteran.csv", spec);
    let smallest = report.km.iter().map(|c| c.n).min().unwrap();
    let k = smallest as u32 + 1;
    assert!(!report.rmst_diff.is_empty());
    let out = exported(&table, &report, k);
    let small: Vec<&str> = out["disclosure"]["small_groups"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect();
    assert!(!small.is_empty());
    for d in out["rmst_diff"].as_array().unwrap() {
        assert!(!small.contains(&d["a"].as_str().unwrap()) && !small.contains(&d["b"].as_str().unwrap()), "{d}");
    }
}

/// The cohort flow: no exclusion reason with 1 to k − 1 rows, none derivable from the total by
/// subtraction (pooled with the next smallest), and no file line numbers.
#[test]
fn flow_releases_no_small_exclusion_count_or_line() {
    let mut csv = String::from("time,status,grp\n");
    for i in 0..60 {
        csv.push_str(&format!("{},{},{}\n", 5 + i, i % 3 == 0, if i % 2 == 0 { "a" } else { "b" }));
    }
    csv.push_str("lost,1,a\nunknown,0,b\n"); // 2 rows: time not a number
    for i in 0..6 {
        csv.push_str(&format!("-{},1,a\n", i + 1)); // 6 rows: negative time
    }
    for _ in 0..9 {
        csv.push_str("12,,b\n"); // 9 rows: outcome missing
    }
    let csv = csv.replace("true", "1").replace("false", "0");
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"grp"}"#).unwrap();
    let table = read_table(csv.as_bytes(), "t.csv", &ReadOptions::from_spec(&spec)).unwrap();
    let report = analyze(&table, &spec).unwrap();
    let flow = report.flow.as_ref().expect("the report has a flow");
    assert!(flow.excluded.iter().any(|e| e.count == 2 && !e.lines.is_empty()), "{:?}", flow.excluded);
    let out = exported(&table, &report, 5);
    let excluded = out["flow"]["excluded"].as_array().unwrap();
    let total: u64 = excluded.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    for e in excluded {
        let c = e["count"].as_u64().unwrap();
        assert!(c == 0 || c >= 5, "{e}");
        assert!(e["lines"].as_array().unwrap().is_empty(), "{e}");
        // Total minus the released others: never a count from 1 to 4.
        let rest = total - c;
        assert!(rest == 0 || rest >= 5 || excluded.len() == 1, "{excluded:?}");
    }
    // 2 (text) pooled with 6 (negative) = 8; 9 (missing outcome) stays.
    assert!(excluded.iter().any(|e| e["count"] == 8) && excluded.iter().any(|e| e["count"] == 9), "{excluded:?}");
    let methods = String::from_utf8(export_bytes(ExportKind::Methods, &ExportInput { report: &report, table: Some(&table), file: "t.csv", k: 5, plot: Default::default(), width: 900, height: 600 }).unwrap()).unwrap();
    assert!(!methods.contains(", 2;") && !methods.contains(", 2)"), "{methods}");
}

/// The censoring attack: exact numbers at risk at two released steps differ by the events and
/// censorings between them, and with the curve's ratio give a censoring count below k. Released
/// numbers at risk are the group's size (released anyway) less the exits rounded down to a
/// multiple of k (`disclosure::RiskRounding`): two of them differ by a multiple of k.
#[test]
fn released_numbers_at_risk_do_not_give_censorings_by_subtraction() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt"}"#;
    let (table, report) = load("designs_veteran.csv", spec);
    for k in [5u32, 7] {
        let out = exported(&table, &report, k);
        for c in out["km"].as_array().unwrap() {
            let n = c["n"].as_f64().unwrap();
            let risks: Vec<f64> = c["steps"].as_array().unwrap().iter().filter_map(|s| s["n_risk"].as_f64()).collect();
            assert!(!risks.is_empty());
            for &r in &risks {
                assert!((n - r) % f64::from(k) == 0.0 && r >= f64::from(k), "k {k}: n at risk {r} released (group size {n})");
            }
        }
    }
}

/// A balance row of a 0/1 term gives its cell count back (the SMD with the arm sizes): at the
/// export's k, not only at the default 5, a row with fewer than k patients at 1 (or 0) in an
/// arm releases no SMD, and the largest |SMD| after weighting, which may be that row's, is not
/// released either.
#[test]
fn balance_rows_follow_the_exports_k_and_the_largest_smd_gives_none_away() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","propensity":{"treatment":"trt","covariates":["karno","age","celltype"],"estimand":"ATE"}}"#;
    let (table, report) = load("designs_veteran.csv", spec);
    let p = report.propensity.as_ref().unwrap();
    // The cell counts of each celltype indicator per arm, from the file.
    let csv = std::fs::read_to_string(format!("{}/tests/reference/designs/designs_veteran.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let rows: Vec<Vec<String>> = csv.lines().skip(1).map(|l| l.split(',').map(|s| s.trim_matches('"').to_string()).collect()).collect();
    let smallest = |level: &str| {
        let mut c = Vec::new();
        for arm in ["1", "2"] {
            let in_arm: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == arm).collect();
            let ones = in_arm.iter().filter(|r| r[1] == level).count();
            c.extend([ones, in_arm.len() - ones].into_iter().filter(|&x| x > 0));
        }
        c.into_iter().min().unwrap()
    };
    let mut withheld_somewhere = false;
    for k in [5u32, 10, 15, 20, 25] {
        let out = exported(&table, &report, k);
        let released = &out["propensity"]["balance"];
        let mut any = false;
        for (b, r) in p.balance.iter().zip(released.as_array().unwrap()) {
            let Some(level) = b.name.strip_prefix("celltype=") else { continue };
            if smallest(level) < k as usize {
                assert!(r["smd_after"].is_null() && r["smd_before"].is_null(), "k = {k}: {} ({} patients in a cell) released {r}", b.name, smallest(level));
                // Nor the propensity model's term (its variance gives the cell back).
                let term = out["propensity"]["terms"].as_array().unwrap().iter().find(|t| t["name"] == b.name.as_str()).unwrap_or_else(|| panic!("no term {}", b.name));
                assert!(term["coef"].is_null() && term["se"].is_null(), "k = {k}: {term}");
                any = true;
            }
        }
        assert!(!out.to_string().contains("smallest_cell"), "the cell count itself is not serialized");
        if any {
            withheld_somewhere = true;
            assert!(out["propensity"]["max_smd_after"].is_null(), "k = {k}: max_smd_after released with a withheld row");
        } else {
            let released = out["propensity"]["max_smd_after"].as_f64().unwrap();
            assert!((released - p.max_smd_after).abs() < 1e-9, "k = {k}: {released}");
        }
    }
    assert!(withheld_somewhere, "the case must withhold a balance row at some k");
}

/// Under ATT weighting the treated arm's weights are all 1, so its effective sample size is its
/// count exactly. Where an arm's n is withheld (fewer than k patients, or the totals withheld),
/// its effective sample size goes with it.
#[test]
fn effective_sample_size_gives_no_withheld_arm_size() {
    let path = format!("{}/tests/reference/designs/designs_veteran.csv", env!("CARGO_MANIFEST_DIR"));
    let csv = std::fs::read_to_string(path).unwrap();
    let mut lines = csv.lines();
    let mut small = vec![lines.next().unwrap().to_string()];
    let mut treated = 0;
    for l in lines {
        if l.starts_with("1,") {
            small.push(l.to_string());
        } else if treated < 7 {
            small.push(l.to_string());
            treated += 1;
        }
    }
    let bytes = (small.join("\n") + "\n").into_bytes();
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","propensity":{"treatment":"trt","covariates":["karno","age"],"estimand":"ATT"}}"#;
    let spec = AnalysisSpec::from_json(spec).unwrap();
    let table = read_table(&bytes, "small.csv", &ReadOptions::from_spec(&spec)).unwrap();
    let report = analyze(&table, &spec).unwrap();
    let p = report.propensity.as_ref().unwrap();
    let arm = p.ess.iter().find(|e| e.group == p.treated).unwrap();
    assert_eq!(arm.n, 7);
    assert!((arm.ess - 7.0).abs() < 1e-9, "unprotected, the treated arm's ESS is its count: {}", arm.ess);
    let mut withheld = false;
    for k in [5u32, 8, 10, 20, 100] {
        let out = exported(&table, &report, k);
        for e in out["propensity"]["ess"].as_array().unwrap() {
            let n = e["n"].as_u64().unwrap_or(0);
            if n == 0 {
                withheld = true;
                assert!(e["ess"].is_null(), "k = {k}: the arm's n is withheld but its ESS is released: {e}");
            } else {
                assert!(n >= k as u64, "k = {k}: {e}");
            }
        }
    }
    assert!(withheld, "the case must withhold an arm's n at some k");
}

/// A subgroup level's hazard ratio compares the group's two arms within it; its variance (about
/// 1/d₁ + 1/d₀) gives back an arm's events. Veteran's adeno level has 27 patients and 26 events,
/// but treatment 1 has 9 of them (9 events): at k = 10 its HR is withheld, at k = 5 released;
/// large (arms of 15 and 12) keeps its HR at k = 10. A numeric 0/1-like model term (prior: 0 or
/// 10, 37 events at 10) is suppressed where one value has fewer than k events (k = 38).
#[test]
fn a_subgroups_hazard_ratio_is_withheld_when_one_arm_has_few() {
    let (table, report) = load("designs_veteran.csv", SUBGROUPS);
    let hr = |out: &Value, level: &str| out["subgroups"].as_array().unwrap().iter().find(|r| r["column"] == "celltype" && r["level"] == level).unwrap()["hr"].clone();
    assert!(hr(&exported(&table, &report, 5), "adeno").is_number());
    let at10 = exported(&table, &report, 10);
    assert!(hr(&at10, "adeno").is_null(), "{}", at10["subgroups"]);
    assert!(hr(&at10, "large").is_number(), "{}", at10["subgroups"]);

    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"covariates":["prior","karno"]}"#;
    let (table, report) = load("designs_veteran.csv", spec);
    let term = |out: &Value, name: &str| out["cox"]["terms"].as_array().unwrap().iter().find(|t| t["name"] == name).unwrap()["coef"].clone();
    let at37 = exported(&table, &report, 37);
    assert!(term(&at37, "prior").is_number() && term(&at37, "karno").is_number());
    let at38 = exported(&table, &report, 38);
    assert!(term(&at38, "prior").is_null() && term(&at38, "karno").is_number(), "{}", at38["cox"]["terms"]);
}

/// An adjusted curve of a group withheld for its size or events keeps no count of its own
/// model rows below k (`n_group`: lung's ph.ecog = 3 released 1; found by the random attack
/// run's scan of every count field).
#[test]
fn a_withheld_groups_adjusted_row_count_is_withheld_too() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog","covariates":["age","sex"],"adjusted":"direct","times":[180,365]}"#;
    let (table, report) = load("designs_lung.csv", spec);
    assert!(report.adjusted.iter().any(|a| a.group == "3" && a.n_group == 1));
    let out = exported(&table, &report, 5);
    for a in out["adjusted"].as_array().unwrap() {
        let n = a["n_group"].as_u64().unwrap_or(0);
        assert!(n == 0 || n >= 5, "{a}");
    }
}

/// The count of extreme weights (above 10) over both arms is withheld with an arm's count
/// (the total less the other arm's would give it) or when it is itself small (found by the
/// random attack run's count scan: `propensity.extreme = 1` released at k = 6).
#[test]
fn the_total_of_extreme_weights_follows_the_arms() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","propensity":{"treatment":"trt","covariates":["karno","age","celltype"],"estimand":"ATE"}}"#;
    let (table, mut report) = load("designs_veteran.csv", spec);
    let p = report.propensity.as_mut().unwrap();
    for (e, x) in p.ess.iter_mut().zip([1, 12]) {
        e.extreme = x;
    }
    p.extreme = 13;
    let out = exported(&table, &report, 5);
    assert!(out["propensity"]["extreme"].as_u64().unwrap_or(0) == 0, "{}", out["propensity"]);
    assert_eq!(out["propensity"]["ess"][1]["extreme"].as_u64(), Some(12));
    let p = report.propensity.as_mut().unwrap();
    for (e, x) in p.ess.iter_mut().zip([0, 3]) {
        e.extreme = x;
    }
    p.extreme = 3;
    assert!(exported(&table, &report, 5)["propensity"]["extreme"].as_u64().unwrap_or(0) == 0);
}

/// An interaction of two categorical (or two-valued) covariates contrasts four joint cells; its
/// variance, about the sum of 1/d over them, gives a small cell back. Veteran's trt × celltype:
/// the smallest cell is treatment 1's adeno (9 patients, 9 events): at k = 9 the interaction
/// terms stay, at k = 10 they are suppressed (and the main effects stay).
#[test]
fn an_interactions_small_joint_cell_suppresses_its_terms() {
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"covariates":["trt","celltype","karno"],"categorical":["celltype"],"interactions":[["trt","celltype"]]}"#;
    let (table, report) = load("designs_veteran.csv", spec);
    let terms = |k: u32| -> Vec<(String, bool)> {
        exported(&table, &report, k)["cox"]["terms"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap().to_string(), t["coef"].is_number())).collect()
    };
    let at9 = terms(9);
    assert!(at9.iter().filter(|t| t.0.contains(':')).count() == 3 && at9.iter().all(|t| t.1), "{at9:?}");
    let at10 = terms(10);
    for (name, shown) in &at10 {
        assert_eq!(*shown, !name.contains(':'), "{at10:?}");
    }
}

/// A subgroup column with a level whose hazard ratio is withheld releases no interaction test:
/// the test (about (b₁ − b₂)²/(v₁ + v₂) with two levels) and the overall hazard ratio (close to
/// the levels' inverse-variance mean) are two equations for the withheld level's coefficient and
/// variance, and the variance (about 1/d₁ + 1/d₀) gives its arms' events. Veteran: celltype's
/// adeno level loses its HR at k = 10 (an arm of 9), so celltype's test goes; prior's levels
/// keep theirs, and so does its test.
#[test]
fn an_interaction_test_goes_with_a_withheld_levels_hazard_ratio() {
    let (table, report) = load("designs_veteran.csv", SUBGROUPS);
    let tests = |out: &Value| out["interaction"].as_array().unwrap().iter().map(|t| t["column"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(report.interaction.len(), 2);
    let at5 = exported(&table, &report, 5);
    assert_eq!(tests(&at5), ["celltype", "prior"]);
    let at10 = exported(&table, &report, 10);
    assert!(at10["subgroups"].as_array().unwrap().iter().filter(|r| r["column"] == "prior").all(|r| r["hr"].is_number()), "{}", at10["subgroups"]);
    assert_eq!(tests(&at10), ["prior"]);
    let named = at10["disclosure"]["tests"].as_array().unwrap();
    assert!(named.iter().any(|t| t.as_str().unwrap().contains("interaction with celltype")), "{named:?}");
    // The withheld statistic is nowhere in the export (it is, written the same way, at k = 5).
    let at = |out: &Value| out["interaction"].as_array().unwrap().iter().find(|t| t["column"] == "celltype").map(|t| t["chisq"].to_string());
    let chisq = at(&at5).unwrap();
    assert!(chisq.len() > 4 && !at10.to_string().contains(&chisq), "{chisq}");
}
