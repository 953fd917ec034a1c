//! Results-only sharing: a [`Report`] reduced to what a figure, its tests and the model table
//! need, with no rows and small cells suppressed, and the way back to a drawable [`Report`].
//!
//! The page puts a [`SharedResults`] (JSON, deflate-compressed, base64url) in a link's fragment.
//! Whoever opens the link sees the same Kaplan-Meier or cumulative-incidence figure (drawn by the
//! same plot code from [`SharedResults::to_report`]), the log-rank / Gray tests and the Cox
//! (or Fine-Gray) table and forest plot, with no patient data at all.
//!
//! What travels, and why it is safe to share (it is what a published paper prints):
//!
//! * each curve's steps: time, estimate and 95% CI (estimates rounded to 6 decimals), whether
//!   the time had a censoring (for the `+` marks), and the number at risk at that time with every
//!   count below the disclosure threshold k replaced by `null` (drawn "<k"). No per-step event or
//!   censoring counts, no variances of single steps beyond what the CI shows;
//! * per group: n and events (`null` when below k), median and its CI, median follow-up,
//!   landmark estimates;
//! * tests (log-rank, pairwise, trend, Gray) and model coefficients with their covariance
//!   matrix (so a recipient can compute any contrast and its CI), the likelihood-ratio, Wald and
//!   score tests, concordance and the proportional-hazards table.
//!
//! What never travels: rows, column values other than group levels and model term names, the
//! file name, Table 1 (category counts are per-patient attributes), warnings (they can quote
//! values). A link that does not parse, has arrays of different lengths, non-finite times or a
//! version this code does not know is refused with a message saying what is wrong.

#[cfg(feature = "links")]
use serde::{Deserialize, Serialize};

#[cfg(feature = "links")]
use crate::report::Report;
#[cfg(feature = "links")]
use crate::stats::common::TestResult;
#[cfg(feature = "links")]
use crate::stats::cox::{Concordance, CoxReport, CoxTerm, PhTermTest, PhTest};
#[cfg(feature = "links")]
use crate::stats::cuminc::{CumincAt, CumincCurve, CumincStep, GrayTest};
#[cfg(feature = "links")]
use crate::stats::finegray::{FineGrayReport, FineGrayTerm};
#[cfg(feature = "links")]
use crate::stats::km::{Followup, KmAt, KmCurve, KmStep};
#[cfg(feature = "links")]
use crate::stats::logrank::PairwiseTest;

#[cfg(feature = "links")]
/// Format version of [`SharedResults`]; a link carries it and older code refuses newer links.
///
/// Version 2 (this one): curves as [`crate::disclosure::protect`] releases them (steps of at least
/// k events, cut where fewer than k are at risk; groups of fewer than k named with no curve;
/// totals that would reveal them withheld) and `withheld` saying so. Version 1 links carried every
/// step of every curve and are refused.
pub const SHARE_VERSION: u32 = 2;

#[cfg(feature = "links")]
/// Most curves, steps (over all curves) and model terms a shared report may hold: a link is
/// meant to stay small, and a hostile link must not make the page allocate without bound.
const MAX_CURVES: usize = 200;
#[cfg(feature = "links")]
const MAX_STEPS: usize = 200_000;
#[cfg(feature = "links")]
const MAX_TERMS: usize = 1_000;

#[cfg(feature = "links")]
/// A test statistic: chi-square, degrees of freedom, p.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SharedTest {
    pub chisq: Option<f64>,
    pub df: Option<f64>,
    pub p: Option<f64>,
}

#[cfg(feature = "links")]
/// One Kaplan-Meier curve without rows: columns of equal length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedKm {
    pub group: Option<String>,
    /// Patients and events in the group; `None` when below k.
    pub n: Option<usize>,
    pub events: Option<usize>,
    pub median: Option<f64>,
    pub median_lower: Option<f64>,
    pub median_upper: Option<f64>,
    /// Median follow-up (reverse Kaplan-Meier) and its CI.
    #[serde(default)]
    pub followup: [Option<f64>; 3],
    /// Step times, S(t), its 95% CI.
    pub time: Vec<f64>,
    pub surv: Vec<Option<f64>>,
    pub lower: Vec<Option<f64>>,
    pub upper: Vec<Option<f64>>,
    /// Number at risk at each step time; `None` when below k.
    pub n_risk: Vec<Option<f64>>,
    /// 1 where the time had a censoring (a `+` mark), else 0.
    pub censored: Vec<u8>,
    /// Landmark estimates: (time, S, lower, upper).
    pub at: Vec<[Option<f64>; 4]>,
}

#[cfg(feature = "links")]
/// One cumulative incidence curve without rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedCuminc {
    pub group: Option<String>,
    /// `event` or `competing`.
    pub cause: String,
    pub n: Option<usize>,
    pub events: Option<usize>,
    pub time: Vec<f64>,
    pub estimate: Vec<Option<f64>>,
    pub variance: Vec<Option<f64>>,
    /// Landmark estimates: (time, estimate, variance).
    pub at: Vec<[Option<f64>; 3]>,
}

#[cfg(feature = "links")]
/// Gray's test of one cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedGray {
    pub cause: String,
    pub test: SharedTest,
}

#[cfg(feature = "links")]
/// Pairwise log-rank test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedPair {
    pub a: String,
    pub b: String,
    pub chisq: Option<f64>,
    pub p: Option<f64>,
    pub p_adjusted: Option<f64>,
}

#[cfg(feature = "links")]
/// A model term: coefficient, its standard errors, ratio and 95% CI, z and p.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedTerm {
    pub name: String,
    pub coef: Option<f64>,
    pub se: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robust_se: Option<f64>,
    /// exp(coef): the hazard ratio (Cox) or subdistribution hazard ratio (Fine-Gray).
    pub ratio: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub z: Option<f64>,
    pub p: Option<f64>,
}

#[cfg(feature = "links")]
/// A Cox model without rows: terms, covariance of the coefficients, tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedCox {
    pub n: Option<usize>,
    pub events: Option<usize>,
    pub ties: String,
    pub terms: Vec<SharedTerm>,
    /// Covariance matrix of the coefficients (row-major, terms × terms; robust when clustered),
    /// as R's `vcov(fit)`.
    pub vcov: Vec<Vec<Option<f64>>>,
    pub loglik: [Option<f64>; 2],
    pub lr_test: SharedTest,
    pub wald_test: SharedTest,
    pub score_test: SharedTest,
    pub concordance: [Option<f64>; 2],
    /// `cox.zph`: (term, chisq, df, p) and the global test.
    pub ph_terms: Vec<(String, SharedTest)>,
    pub ph_global: Option<SharedTest>,
    pub converged: bool,
}

#[cfg(feature = "links")]
/// A Fine-Gray model without rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedFineGray {
    pub n: Option<usize>,
    pub events: Option<usize>,
    pub competing: Option<usize>,
    pub terms: Vec<SharedTerm>,
    pub loglik: [Option<f64>; 2],
    pub converged: bool,
}

#[cfg(feature = "links")]
/// Everything a results-only link carries (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedResults {
    /// Format version ([`SHARE_VERSION`]).
    pub v: u32,
    /// Always `results` (an embedded-data link is another kind, read by the page).
    pub kind: String,
    /// The disclosure threshold the counts were suppressed with.
    pub k: u32,
    /// The analysis spec (identifier-like columns already removed by the page), with its view.
    pub spec: Option<serde_json::Value>,
    pub time_unit: Option<String>,
    pub n: Option<usize>,
    pub events: Option<usize>,
    pub competing_events: Option<usize>,
    pub groups: Vec<String>,
    pub km: Vec<SharedKm>,
    pub logrank: Option<SharedTest>,
    pub trend: Option<SharedTest>,
    pub pairwise: Vec<SharedPair>,
    pub cuminc: Vec<SharedCuminc>,
    pub gray_test: Vec<SharedGray>,
    pub cox: Option<SharedCox>,
    pub finegray: Option<SharedFineGray>,
    /// What disclosure control withheld (small groups, cuts, suppressed terms).
    #[serde(default)]
    pub withheld: crate::disclosure::Withheld,
}

#[cfg(feature = "links")]
fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

#[cfg(feature = "links")]
/// An estimate rounded to 6 decimals (a probability printed to 4 decimals at most; rounding
/// makes the link much shorter once compressed).
fn est(v: f64) -> Option<f64> {
    fin(v).map(|x| (x * 1e6).round() / 1e6)
}

#[cfg(feature = "links")]
fn count(v: usize, k: u32) -> Option<usize> {
    (v == 0 || v >= k as usize).then_some(v)
}

#[cfg(feature = "links")]
fn test(t: &TestResult) -> SharedTest {
    SharedTest { chisq: fin(t.chisq), df: fin(t.df), p: fin(t.p) }
}

#[cfg(feature = "links")]
fn nan(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

#[cfg(feature = "links")]
fn untest(t: &SharedTest) -> TestResult {
    TestResult { chisq: nan(t.chisq), df: nan(t.df), p: nan(t.p) }
}

#[cfg(feature = "links")]
/// Time units the engine writes; a link's unit must be one of them.
fn time_unit(u: &str) -> Option<&'static str> {
    ["days", "weeks", "months", "years"].into_iter().find(|x| *x == u)
}

#[cfg(feature = "links")]
fn cause(c: &str) -> Result<&'static str, String> {
    match c {
        "event" => Ok("event"),
        "competing" => Ok("competing"),
        other => Err(format!("a cumulative incidence curve has cause '{other}' (expected 'event' or 'competing')")),
    }
}

#[cfg(feature = "links")]
impl SharedResults {
    /// The results of `report` without rows, with every count below `k` suppressed. `spec` is
    /// the spec the link shows (the page removes identifier-like columns from it first).
    ///
    /// The report goes through [`crate::disclosure::protect`] without its table (cumulative
    /// incidence curves need the table's rows to be pooled: use [`SharedResults::from_protected`]).
    pub fn from_report(report: &Report, k: u32, spec: Option<serde_json::Value>) -> SharedResults {
        Self::from_protected(&crate::disclosure::protect(report, None, k), spec)
    }

    /// The results of a protected report: withheld counts are `null`.
    pub fn from_protected(p: &crate::disclosure::Protected, spec: Option<serde_json::Value>) -> SharedResults {
        let w = &p.withheld;
        let report = &p.report;
        let k = w.k.max(1);
        let gcount = |v: usize, withheld: bool| if withheld { None } else { count(v, k) };
        let total = |v: usize| if w.totals { None } else { count(v, k) };
        let km = report
            .km
            .iter()
            .map(|c| SharedKm {
                group: c.group.clone(),
                n: gcount(c.n, w.small(c.group.as_deref())),
                events: gcount(c.events, w.few(c.group.as_deref())),
                median: c.median.and_then(fin),
                median_lower: c.median_lower.and_then(fin),
                median_upper: c.median_upper.and_then(fin),
                followup: [c.followup.median.and_then(fin), c.followup.lower.and_then(fin), c.followup.upper.and_then(fin)],
                time: c.steps.iter().map(|s| s.time).collect(),
                surv: c.steps.iter().map(|s| est(s.surv)).collect(),
                lower: c.steps.iter().map(|s| est(s.lower)).collect(),
                upper: c.steps.iter().map(|s| est(s.upper)).collect(),
                n_risk: c.steps.iter().map(|s| fin(s.n_risk).filter(|n| *n == 0.0 || *n >= k as f64)).collect(),
                censored: c.steps.iter().map(|s| u8::from(s.n_censor > 0.0)).collect(),
                at: c.at.iter().map(|a| [fin(a.time), est(a.surv), est(a.lower), est(a.upper)]).collect(),
            })
            .collect();
        let cuminc = report
            .cuminc
            .iter()
            .map(|c| SharedCuminc {
                group: c.group.clone(),
                cause: c.cause.to_string(),
                n: gcount(c.n, w.small(c.group.as_deref())),
                events: gcount(c.events, w.few(c.group.as_deref())),
                time: c.steps.iter().map(|s| s.time).collect(),
                estimate: c.steps.iter().map(|s| est(s.estimate)).collect(),
                variance: c.steps.iter().map(|s| fin(s.variance)).collect(),
                at: c.at.iter().map(|a| [fin(a.time), est(a.estimate), fin(a.variance)]).collect(),
            })
            .collect();
        let term = |name: &str, coef: f64, ratio: f64, se: f64, robust: Option<f64>, lower: f64, upper: f64, z: f64, p: f64| SharedTerm {
            name: name.to_string(),
            coef: fin(coef),
            se: fin(se),
            robust_se: robust.and_then(fin),
            ratio: fin(ratio),
            lower: fin(lower),
            upper: fin(upper),
            z: fin(z),
            p: fin(p),
        };
        let cox = report.cox.as_ref().map(|c| {
            let p = c.terms.len();
            SharedCox {
                n: total(c.n),
                events: total(c.events),
                ties: c.ties.to_string(),
                terms: c.terms.iter().map(|t| term(&t.name, t.coef, t.hr, t.se, t.robust_se, t.lower, t.upper, t.z, t.p)).collect(),
                vcov: if c.vcov.len() == p * p { c.vcov.chunks(p).map(|r| r.iter().map(|v| fin(*v)).collect()).collect() } else { Vec::new() },
                loglik: [fin(c.loglik[0]), fin(c.loglik[1])],
                lr_test: test(&c.lr_test),
                wald_test: test(&c.wald_test),
                score_test: test(&c.score_test),
                concordance: [fin(c.concordance.c), fin(c.concordance.se)],
                ph_terms: c
                    .ph_test
                    .as_ref()
                    .map(|ph| ph.terms.iter().map(|t| (t.name.clone(), SharedTest { chisq: fin(t.chisq), df: fin(t.df), p: fin(t.p) })).collect())
                    .unwrap_or_default(),
                ph_global: c.ph_test.as_ref().map(|ph| test(&ph.global)),
                converged: c.converged,
            }
        });
        let finegray = report.finegray.as_ref().map(|f| SharedFineGray {
            n: total(f.n),
            events: total(f.events),
            competing: total(f.competing),
            terms: f.terms.iter().map(|t| term(&t.name, t.coef, t.shr, t.se, None, t.lower, t.upper, t.z, t.p)).collect(),
            loglik: [fin(f.loglik[0]), fin(f.loglik[1])],
            converged: f.converged,
        });
        SharedResults {
            v: SHARE_VERSION,
            kind: "results".to_string(),
            k,
            spec,
            time_unit: report.time_unit.map(str::to_string),
            n: total(report.n),
            events: total(report.events),
            competing_events: report.competing_events.and_then(total),
            groups: report.groups.clone(),
            km,
            logrank: report.logrank.as_ref().map(test),
            trend: report.trend.as_ref().map(test),
            pairwise: report
                .pairwise
                .iter()
                .flatten()
                .map(|p| SharedPair { a: p.a.clone(), b: p.b.clone(), chisq: fin(p.chisq), p: fin(p.p), p_adjusted: fin(p.p_adjusted) })
                .collect(),
            cuminc,
            gray_test: report.gray_test.iter().map(|g| SharedGray { cause: g.cause.to_string(), test: SharedTest { chisq: fin(g.stat), df: fin(g.df), p: fin(g.p) } }).collect(),
            cox,
            finegray,
            withheld: w.clone(),
        }
    }

    /// Read a link's JSON, refusing what this code cannot draw: another version or kind,
    /// columns of different lengths, non-finite or decreasing times, too many curves or terms.
    pub fn from_json(text: &str) -> Result<SharedResults, String> {
        let s: SharedResults = serde_json::from_str(text).map_err(|e| format!("the shared results are not readable ({e}): the link may be cut short; ask for it again"))?;
        s.validate()?;
        Ok(s)
    }

    /// Check what [`SharedResults::from_json`] checks (also before a link is made, so no link
    /// is handed out that its recipient would refuse).
    pub fn validate(&self) -> Result<(), String> {
        if self.v > SHARE_VERSION {
            return Err(format!("this link holds shared results of format version {}, but this page reads version {SHARE_VERSION}: open it with a newer version of the page", self.v));
        }
        if self.v < SHARE_VERSION {
            return Err(format!(
                "this link holds shared results of format version {}, made before curves were released in steps of at least k events; this page reads version {SHARE_VERSION} only: ask for a new link",
                self.v
            ));
        }
        if self.kind != "results" {
            return Err(format!("this link holds '{}', not shared results", self.kind));
        }
        if let Some(spec) = &self.spec {
            // The spec a link shows is validated like any other (its keys, columns and values).
            crate::AnalysisSpec::from_json(&spec.to_string()).map_err(|e| format!("the shared results carry a spec that is not valid: {e}"))?;
        }
        if self.k == 0 {
            return Err("the shared results have a disclosure threshold k of 0 (must be at least 1)".to_string());
        }
        if self.km.len() + self.cuminc.len() > MAX_CURVES {
            return Err(format!("the shared results hold {} curves (at most {MAX_CURVES})", self.km.len() + self.cuminc.len()));
        }
        let steps: usize = self.km.iter().map(|c| c.time.len()).sum::<usize>() + self.cuminc.iter().map(|c| c.time.len()).sum::<usize>();
        if steps > MAX_STEPS {
            return Err(format!("the shared results hold {steps} curve steps (at most {MAX_STEPS})"));
        }
        let sorted = |t: &[f64]| t.iter().all(|x| x.is_finite()) && t.windows(2).all(|w| w[0] <= w[1]);
        let name = |g: &Option<String>| g.clone().unwrap_or_else(|| "All".to_string());
        for c in &self.km {
            let n = c.time.len();
            if [c.surv.len(), c.lower.len(), c.upper.len(), c.n_risk.len(), c.censored.len()].iter().any(|l| *l != n) {
                return Err(format!("the shared curve of group '{}' has columns of different lengths", name(&c.group)));
            }
            if !sorted(&c.time) {
                return Err(format!("the shared curve of group '{}' has missing or decreasing times", name(&c.group)));
            }
            if c.surv.iter().chain(&c.lower).chain(&c.upper).flatten().any(|v| !(0.0..=1.0).contains(v)) {
                return Err(format!("the shared curve of group '{}' has a probability outside 0–1", name(&c.group)));
            }
        }
        for c in &self.cuminc {
            cause(&c.cause)?;
            let n = c.time.len();
            if c.estimate.len() != n || c.variance.len() != n {
                return Err(format!("the shared cumulative incidence of group '{}' has columns of different lengths", name(&c.group)));
            }
            if !sorted(&c.time) {
                return Err(format!("the shared cumulative incidence of group '{}' has missing or decreasing times", name(&c.group)));
            }
        }
        for g in &self.gray_test {
            cause(&g.cause)?;
        }
        if let Some(c) = &self.cox {
            let p = c.terms.len();
            if p > MAX_TERMS {
                return Err(format!("the shared Cox model has {p} terms (at most {MAX_TERMS})"));
            }
            if !c.vcov.is_empty() && (c.vcov.len() != p || c.vcov.iter().any(|r| r.len() != p)) {
                return Err(format!("the shared Cox model's covariance matrix is not {p} × {p}"));
            }
        }
        if self.finegray.as_ref().is_some_and(|f| f.terms.len() > MAX_TERMS) {
            return Err(format!("the shared Fine-Gray model has too many terms (at most {MAX_TERMS})"));
        }
        Ok(())
    }

    /// A [`Report`] the plot code draws as it draws the original: suppressed counts are NaN
    /// (drawn "<k" with `PlotOptions::min_cell`), suppressed group sizes 0 (drawn "n < k").
    /// Quantities the link does not carry (Nelson-Aalen, follow-up, Table 1, ...) are absent.
    pub fn to_report(&self) -> Result<Report, String> {
        self.validate()?;
        let spec = self.spec.as_ref().and_then(|v| serde_json::from_value::<crate::spec::AnalysisSpec>(v.clone()).ok());
        let km = self
            .km
            .iter()
            .map(|c| KmCurve {
                group: c.group.clone(),
                n: c.n.unwrap_or(0),
                events: c.events.unwrap_or(0),
                median: c.median,
                median_lower: c.median_lower,
                median_upper: c.median_upper,
                steps: (0..c.time.len())
                    .map(|i| KmStep {
                        time: c.time[i],
                        n_risk: nan(c.n_risk[i]),
                        n_event: f64::NAN,
                        n_censor: f64::from(c.censored[i]),
                        surv: nan(c.surv[i]),
                        std_err: f64::NAN,
                        lower: nan(c.lower[i]),
                        upper: nan(c.upper[i]),
                        cumhaz: f64::NAN,
                        std_cumhaz: f64::NAN,
                    })
                    .collect(),
                followup: Followup { median: c.followup[0], lower: c.followup[1], upper: c.followup[2] },
                at: c
                    .at
                    .iter()
                    .map(|a| KmAt { time: nan(a[0]), n_risk: f64::NAN, surv: nan(a[1]), std_err: f64::NAN, lower: nan(a[2]), upper: nan(a[3]) })
                    .collect(),
                rmst: None,
            })
            .collect();
        let mut cuminc = Vec::with_capacity(self.cuminc.len());
        for c in &self.cuminc {
            cuminc.push(CumincCurve {
                group: c.group.clone(),
                cause: cause(&c.cause)?,
                n: c.n.unwrap_or(0),
                events: c.events.unwrap_or(0),
                steps: (0..c.time.len()).map(|i| CumincStep::new(c.time[i], nan(c.estimate[i]), nan(c.variance[i]))).collect(),
                at: c.at.iter().map(|a| CumincAt::new(nan(a[0]), nan(a[1]), nan(a[2]))).collect(),
            });
        }
        let mut gray_test = Vec::with_capacity(self.gray_test.len());
        for g in &self.gray_test {
            gray_test.push(GrayTest { cause: cause(&g.cause)?, stat: nan(g.test.chisq), df: nan(g.test.df), p: nan(g.test.p), why: None });
        }
        let cox = self.cox.as_ref().map(|c| CoxReport {
            n: c.n.unwrap_or(0),
            events: c.events.unwrap_or(0),
            ties: if c.ties == "breslow" { "breslow" } else { "efron" },
            terms: c
                .terms
                .iter()
                .map(|t| CoxTerm {
                    name: t.name.clone(),
                    coef: nan(t.coef),
                    se: nan(t.se),
                    robust_se: t.robust_se,
                    hr: nan(t.ratio),
                    lower: nan(t.lower),
                    upper: nan(t.upper),
                    z: nan(t.z),
                    p: nan(t.p),
                })
                .collect(),
            vcov: c.vcov.iter().flatten().map(|v| nan(*v)).collect(),
            loglik: [nan(c.loglik[0]), nan(c.loglik[1])],
            lr_test: untest(&c.lr_test),
            wald_test: untest(&c.wald_test),
            wald_chisq: nan(c.wald_test.chisq),
            score_test: untest(&c.score_test),
            robust_score_test: None,
            concordance: Concordance { c: nan(c.concordance[0]), se: nan(c.concordance[1]) },
            ph_test: c.ph_global.as_ref().map(|g| PhTest {
                terms: c.ph_terms.iter().map(|(name, t)| PhTermTest { name: name.clone(), chisq: nan(t.chisq), df: nan(t.df), p: nan(t.p) }).collect(),
                global: untest(g),
                // One point per event: patient-level, never in a results link.
                residuals: None,
            }),
            iterations: 0,
            converged: c.converged,
            dropped: Vec::new(),
            warnings: Vec::new(),
        });
        let finegray = self.finegray.as_ref().map(|f| FineGrayReport {
            n: f.n.unwrap_or(0),
            events: f.events.unwrap_or(0),
            competing: f.competing.unwrap_or(0),
            converged: f.converged,
            iterations: 0,
            loglik: [nan(f.loglik[0]), nan(f.loglik[1])],
            terms: f
                .terms
                .iter()
                .map(|t| FineGrayTerm { name: t.name.clone(), coef: nan(t.coef), se: nan(t.se), shr: nan(t.ratio), lower: nan(t.lower), upper: nan(t.upper), z: nan(t.z), p: nan(t.p) })
                .collect(),
            warnings: Vec::new(),
        });
        Ok(Report {
            spec,
            file: String::new(),
            n: self.n.unwrap_or(0),
            events: self.events.unwrap_or(0),
            competing_events: self.competing_events,
            time_unit: self.time_unit.as_deref().and_then(time_unit),
            groups: self.groups.clone(),
            km,
            logrank: self.logrank.as_ref().map(untest),
            pairwise: (!self.pairwise.is_empty()).then(|| {
                self.pairwise
                    .iter()
                    .map(|p| PairwiseTest { a: p.a.clone(), b: p.b.clone(), chisq: nan(p.chisq), p: nan(p.p), p_adjusted: nan(p.p_adjusted) })
                    .collect()
            }),
            trend: self.trend.as_ref().map(untest),
            cox,
            cuminc,
            gray_test,
            finegray,
            ..Report::default()
        })
    }
}

/// Most cells an embedded-data link may carry before compression (the page also limits the
/// compressed size): beyond that a link is the wrong way to move data.
pub const MAX_EMBED_CELLS: usize = 2_000_000;

/// The named columns of `table` as CSV text (header, then every row; a missing cell is empty),
/// for a link that embeds the analysis data. Refuses a column flagged as a possible identifier
/// (its values must never leave the browser in a link) and names unknown columns.
pub fn analysis_csv(table: &crate::table::Table, columns: &[String]) -> Result<String, String> {
    if columns.is_empty() {
        return Err("no columns to embed: the analysis uses none".to_string());
    }
    let mut cols = Vec::with_capacity(columns.len());
    for name in columns {
        let c = table.column(name).ok_or_else(|| format!("column '{name}' is not in {}", table.name))?;
        if let Some(why) = &c.identifier {
            return Err(format!("column '{name}' looks like a direct identifier ({why}): it is never embedded in a link; remove it from the analysis first"));
        }
        if !cols.iter().any(|x: &&crate::table::Column| x.name == c.name) {
            cols.push(c);
        }
    }
    let cells = cols.len() * table.n_rows();
    if cells > MAX_EMBED_CELLS {
        return Err(format!(
            "{} rows × {} columns is too much data for a link (at most {MAX_EMBED_CELLS} cells): share results only, or send the file another way",
            table.n_rows(),
            cols.len()
        ));
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let io = |e: csv::Error| format!("cannot write the embedded data: {e}");
    w.write_record(cols.iter().map(|c| c.name.as_str())).map_err(io)?;
    let mut row: Vec<String> = Vec::with_capacity(cols.len());
    for r in 0..table.n_rows() {
        row.clear();
        row.extend(cols.iter().map(|c| c.text(r).unwrap_or_default()));
        w.write_record(&row).map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| format!("cannot write the embedded data: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("cannot write the embedded data: {e}"))
}

#[cfg(all(test, feature = "links"))]
mod tests {
    use super::*;

    /// lung by sex with age and sex in a Cox model, from the reference data.
    fn lung() -> Report {
        let spec = crate::AnalysisSpec::from_json(
            r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[180,365],"covariates":["age","sex"],"categorical":["sex"]}"#,
        )
        .unwrap();
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
        crate::analyze_bytes(&bytes, "lung.csv", &spec).unwrap()
    }

    #[test]
    fn small_counts_are_suppressed_and_rows_never_travel() {
        let r = lung();
        let s = SharedResults::from_report(&r, 10, None);
        let json = serde_json::to_string(&s).unwrap();
        // No per-row data: nothing has 228 entries, no file name, no ages.
        assert!(!json.contains("lung.csv"));
        assert!(s.km.iter().all(|c| c.time.len() < r.n));
        // At risk: the tail of each curve drops below 10 → null; no value 1..9 survives.
        for c in &s.km {
            assert!(c.n_risk.iter().any(|v| v.is_none()), "the tail should be suppressed");
            assert!(c.n_risk.iter().flatten().all(|n| *n == 0.0 || *n >= 10.0));
        }
        // Cox: 2 terms and a symmetric 2 × 2 covariance whose diagonal is se².
        let cox = s.cox.as_ref().unwrap();
        assert_eq!(cox.vcov.len(), 2);
        for (j, t) in cox.terms.iter().enumerate() {
            let v = cox.vcov[j][j].unwrap();
            assert!((v.sqrt() - t.se.unwrap()).abs() < 1e-9, "{} vs {:?}", v.sqrt(), t.se);
        }
        assert!((cox.vcov[0][1].unwrap() - cox.vcov[1][0].unwrap()).abs() < 1e-15);
    }

    #[test]
    fn round_trip_draws_the_same_figure_numbers() {
        let r = lung();
        let s = SharedResults::from_report(&r, 5, None);
        let back = SharedResults::from_json(&serde_json::to_string(&s).unwrap()).unwrap().to_report().unwrap();
        assert_eq!(back.km.len(), 2);
        assert_eq!(back.km[0].n, r.km[0].n);
        assert_eq!(back.km[0].median, r.km[0].median);
        assert_eq!(back.km[1].followup, r.km[1].followup);
        // Released steps (every 5 events) carry the estimate at their time, to 4 decimals.
        let st = &back.km[1].steps;
        let released: Vec<_> = (0..st.len()).filter(|&i| st[i].surv.is_finite() && st[i].surv != if i == 0 { 1.0 } else { st[i - 1].surv }).map(|i| &st[i]).collect();
        assert!(released.len() > 5 && released.len() < r.km[1].steps.len());
        for s in released {
            let orig = r.km[1].steps.iter().find(|o| o.time == s.time).unwrap();
            assert!((s.surv - orig.surv).abs() <= 5e-5, "{} vs {}", s.surv, orig.surv);
        }
        assert!((back.cox.as_ref().unwrap().terms[0].hr - r.cox.as_ref().unwrap().terms[0].hr).abs() < 1e-14);
        assert!((back.logrank.as_ref().unwrap().p - r.logrank.as_ref().unwrap().p).abs() < 1e-16);
        // The figure draws from it, with the same at-risk numbers where not suppressed.
        let opts = crate::plot::PlotOptions { min_cell: Some(5), ..Default::default() };
        let svg = crate::plot::render_svg(&back, &opts, 900, 640, crate::plot::FigureKind::Survival).unwrap();
        let texts: Vec<String> = svg
            .split("<text")
            .skip(1)
            .filter_map(|c| Some(c[c.find('>')? + 1..c.find("</text>")?].trim().replace("&lt;", "<")))
            .collect();
        assert!(texts.iter().any(|t| t == "Number at risk"));
        // lung: 138 men at risk at time 0; the tail of each row (fewer than 5 left) reads "<5".
        assert!(texts.iter().any(|t| t == "138"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "<5"), "{texts:?}");
        crate::plot::render_svg(&back, &opts, 900, 400, crate::plot::FigureKind::Forest).unwrap();
    }

    #[test]
    fn embedded_csv_has_only_the_named_columns_and_re_runs_the_same() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
        let table = crate::read_table(&bytes, "lung.csv", &crate::ReadOptions::default()).unwrap();
        let cols: Vec<String> = ["time", "status", "sex", "age"].iter().map(|s| s.to_string()).collect();
        let csv = analysis_csv(&table, &cols).unwrap();
        assert!(csv.starts_with("time,status,sex,age\n"), "{}", &csv[..40]);
        assert_eq!(csv.lines().count(), table.n_rows() + 1);
        assert!(!csv.contains("ph.karno"));
        let spec = crate::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","covariates":["age","sex"],"categorical":["sex"]}"#).unwrap();
        let a = crate::analyze_bytes(&bytes, "lung.csv", &spec).unwrap();
        let b = crate::analyze_bytes(csv.as_bytes(), "shared.csv", &spec).unwrap();
        assert_eq!(a.km, b.km);
        assert_eq!(a.cox.unwrap().terms, b.cox.unwrap().terms);
        assert!(analysis_csv(&table, &["nope".to_string()]).unwrap_err().contains("'nope'"));
    }

    #[test]
    fn competing_risks_round_trip_with_gray_and_fine_gray() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/transplant.csv")).unwrap();
        let spec = crate::AnalysisSpec::from_json(
            r#"{"time":"futime","event":{"column":"event","event":["ltx"],"competing":["death"]},"group":"abo","times":[30,90,365],"covariates":["age","sex"]}"#,
        )
        .unwrap();
        let r = crate::analyze_bytes(&bytes, "transplant.csv", &spec).unwrap();
        assert!(!r.cuminc.is_empty() && r.finegray.is_some());
        let s = SharedResults::from_report(&r, 5, Some(serde_json::to_value(&spec).unwrap()));
        let back = SharedResults::from_json(&serde_json::to_string(&s).unwrap()).unwrap().to_report().unwrap();
        assert_eq!(back.spec.as_ref(), Some(&spec));
        assert_eq!(back.cuminc.len(), r.cuminc.len());
        for (a, b) in back.cuminc.iter().zip(&r.cuminc) {
            assert_eq!((a.group.as_ref(), a.cause), (b.group.as_ref(), b.cause));
            assert_eq!(a.steps.len(), b.steps.len());
            assert!(a.steps.iter().zip(&b.steps).all(|(x, y)| (x.estimate - y.estimate).abs() < 1e-6 && x.time == y.time));
        }
        // AB has 3 deaths: Gray's test of the competing event is withheld at k = 5.
        assert_eq!(r.gray_test.iter().map(|g| g.cause).collect::<Vec<_>>(), ["event", "competing"]);
        assert_eq!(back.gray_test.iter().map(|g| g.cause).collect::<Vec<_>>(), ["event"]);
        assert!((back.gray_test[0].p - r.gray_test[0].p).abs() < 1e-14);
        let (fa, fb) = (back.finegray.as_ref().unwrap(), r.finegray.as_ref().unwrap());
        // JSON keeps 17 significant digits; serde_json's parser may differ from them by 1 ulp.
        assert!(fa.terms.iter().zip(&fb.terms).all(|(a, b)| a.name == b.name && (a.shr - b.shr).abs() < 1e-14));
        let opts = crate::plot::PlotOptions { min_cell: Some(5), ..Default::default() };
        crate::plot::render_svg(&back, &opts, 900, 600, crate::plot::FigureKind::Survival).unwrap();
        crate::plot::render_svg(&back, &opts, 900, 400, crate::plot::FigureKind::Forest).unwrap();
    }

    #[test]
    fn malformed_links_are_refused_with_a_reason() {
        let r = lung();
        let mut s = SharedResults::from_report(&r, 5, None);
        s.km[0].surv.pop();
        let e = SharedResults::from_json(&serde_json::to_string(&s).unwrap()).unwrap_err();
        assert!(e.contains("different lengths"), "{e}");
        let mut s = SharedResults::from_report(&r, 5, None);
        s.v = 99;
        let e = SharedResults::from_json(&serde_json::to_string(&s).unwrap()).unwrap_err();
        assert!(e.contains("version 99"), "{e}");
        let e = SharedResults::from_json("{\"v\":1").unwrap_err();
        assert!(e.contains("not readable"), "{e}");
        let mut s = SharedResults::from_report(&r, 5, None);
        s.km[0].time.swap(0, 5);
        assert!(SharedResults::from_json(&serde_json::to_string(&s).unwrap()).unwrap_err().contains("decreasing"));
        // A spec is checked like any other: an unknown key is refused with its name.
        let s = SharedResults::from_report(&r, 5, Some(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "grup": "sex"})));
        let e = SharedResults::from_json(&serde_json::to_string(&s).unwrap()).unwrap_err();
        assert!(e.contains("not valid") && e.contains("grup"), "{e}");
    }
}
