//! Aggregated input: a file of counts analysed with its frequency weight gives the analysis of
//! the rows it stands for — here for competing risks (cumulative incidence, Gray's test,
//! Fine-Gray), which `cohort aggregate-sql` results feed too. (tests/designs.rs checks the same
//! for Kaplan-Meier, log-rank and Cox; tests/registry/duckdb_check.py on 2M rows through DuckDB.)

use cohort::{analyze_bytes, AnalysisSpec, Report};

fn run(csv: &str, spec: &str) -> Report {
    analyze_bytes(csv.as_bytes(), "t.csv", &AnalysisSpec::from_json(spec).unwrap()).unwrap()
}

#[test]
fn frequency_weights_with_competing_events_equal_repeated_rows() {
    let counts = "time,status,arm,stage,n\n2,1,a,I,3\n3,2,a,II,1\n4,0,a,I,2\n4,1,b,II,2\n5,1,b,I,1\n6,2,b,II,2\n\
                  7,0,a,II,1\n8,1,a,I,2\n9,0,b,I,3\n10,1,b,II,1\n11,2,a,I,2\n12,0,b,II,2\n";
    let mut expanded = String::from("time,status,arm,stage\n");
    for line in counts.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for _ in 0..f[4].parse::<usize>().unwrap() {
            expanded.push_str(&format!("{},{},{},{}\n", f[0], f[1], f[2], f[3]));
        }
    }
    let spec = r#""time":"time","event":{"column":"status","event":["1"],"competing":["2"]},"group":"arm","covariates":["stage"],"times":[5,10]"#;
    let a = run(counts, &format!(r#"{{{spec},"weights":{{"column":"n","kind":"frequency"}}}}"#));
    let b = run(&expanded, &format!("{{{spec}}}"));
    assert_eq!(a.n, 22);
    assert_eq!((a.n, a.events), (b.n, b.events));
    let json = |r: &Report, k: &str| serde_json::to_value(r).unwrap()[k].clone();
    for k in ["cuminc", "gray_test", "finegray"] {
        assert!(!json(&b, k).is_null(), "{k} missing from the row-level report");
        assert_eq!(json(&a, k), json(&b, k), "{k} differs");
    }
}

#[test]
fn sampling_weights_with_competing_events_are_refused_with_the_reason() {
    let csv = "time,status,w\n2,1,0.5\n3,2,1.5\n4,0,1\n";
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"],"competing":["2"]},"weights":{"column":"w","kind":"sampling"}}"#;
    let e = match AnalysisSpec::from_json(spec) {
        Err(e) => e.to_string(),
        Ok(s) => analyze_bytes(csv.as_bytes(), "t.csv", &s).err().map(|e| e.to_string()).unwrap_or_default(),
    };
    assert!(e.contains("sampling weights") && e.contains("competing"), "{e}");
}
