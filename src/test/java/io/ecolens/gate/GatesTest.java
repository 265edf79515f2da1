package io.ecolens.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.tables.FigureKey;
import io.ecolens.config.GateSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Gate decisions and comparison rows from hand-made figures of two runs. */
class GatesTest {
  private static final double ALPHA = 0.05;

  private static Figure figure(String report, String metric, String category, double value, Double low,
      Double high, Long n) {
    return new Figure(new FigureKey(report, metric, category, "all", "all"), value, low, high, n);
  }

  private static GateSpec gate(String metric, String category, Double maxDrop, Double maxRiseRelative,
      boolean onlyIfSignificant) {
    return new GateSpec(metric, null, category, null, null, maxDrop, null, null, maxRiseRelative, onlyIfSignificant);
  }

  private static List<GateResult> check(List<GateSpec> gates, String baselineRun, List<Figure> before,
      List<Figure> now) {
    Map<FigureKey, Delta> deltas = new LinkedHashMap<>();
    RunComparison.compare(before, now, ALPHA).forEach(d -> deltas.put(d.key(), d));
    return Gates.evaluate(gates, baselineRun, RunComparison.index(now), deltas);
  }

  @Test
  void f1DropBeyondTheLimitFailsAndWithinPasses() {
    List<Figure> before = List.of(figure("agreement", "f1", "hate_speech", 0.80, 0.75, 0.85, 900L));
    List<Figure> dropped = List.of(figure("agreement", "f1", "hate_speech", 0.76, 0.71, 0.81, 900L));
    List<Figure> steady = List.of(figure("agreement", "f1", "hate_speech", 0.78, 0.73, 0.83, 900L));
    GateSpec gate = gate("f1", "hate_speech", 0.03, null, false);

    GateResult failed = check(List.of(gate), "r1", before, dropped).get(0);
    assertThat(failed.status()).isEqualTo(GateResult.FAILED);
    assertThat(failed.delta()).isCloseTo(-0.04, within(1e-12));
    assertThat(failed.message()).contains("f1[hate_speech] in report agreement").contains("0.8000 -> 0.7600")
        .contains("dropped 0.0400 points (max-drop 0.0300)").contains("baseline run r1");

    GateResult passed = check(List.of(gate), "r1", before, steady).get(0);
    assertThat(passed.status()).isEqualTo(GateResult.PASSED);
    assertThat(passed.message()).contains("within limits");
  }

  @Test
  void relativeRiseOfPrevalenceIsMeasuredAgainstTheBaselineValue() {
    GateSpec gate = gate("prevalence", "spam_scam", null, 0.5, false);
    List<Figure> before = List.of(figure("prevalence", "prevalence", "spam_scam", 0.04, 0.03, 0.05, 2000L));
    GateResult up60 = check(List.of(gate), "r1", before,
        List.of(figure("prevalence", "prevalence", "spam_scam", 0.064, 0.054, 0.075, 2000L))).get(0);
    assertThat(up60.status()).isEqualTo(GateResult.FAILED);
    assertThat(up60.relativeChange()).isCloseTo(0.6, within(1e-9));
    assertThat(up60.message()).contains("rose 60.0% of its baseline value (max-rise-relative 50.0%)");
    assertThat(up60.pValue()).isNotNull().isLessThan(0.001); // 4.0% vs 6.4% of 2,000 items
    GateResult up40 = check(List.of(gate), "r1", before,
        List.of(figure("prevalence", "prevalence", "spam_scam", 0.056, 0.046, 0.067, 2000L))).get(0);
    assertThat(up40.status()).isEqualTo(GateResult.PASSED);
  }

  @Test
  void onlyIfSignificantLetsANoisyChangePass() {
    // 30% -> 20% of 20 items: beyond 3 points, but p = 0.47
    List<Figure> before = List.of(figure("agreement", "recall", "self_harm", 0.30, 0.14, 0.52, 20L));
    List<Figure> now = List.of(figure("agreement", "recall", "self_harm", 0.20, 0.08, 0.42, 20L));
    GateResult lenient = check(List.of(gate("recall", "self_harm", 0.03, null, true)), "r1", before, now).get(0);
    assertThat(lenient.status()).isEqualTo(GateResult.PASSED);
    assertThat(lenient.significant()).isFalse();
    assertThat(lenient.message()).contains("not significant (z_test)");
    GateResult strict = check(List.of(gate("recall", "self_harm", 0.03, null, false)), "r1", before, now).get(0);
    assertThat(strict.status()).isEqualTo(GateResult.FAILED);
  }

  @Test
  void firstRunPassesWithANoteAndAMissingFigureFails() {
    GateSpec gate = gate("f1", "hate_speech", 0.03, null, false);
    GateResult first = check(List.of(gate), null, List.of(),
        List.of(figure("agreement", "f1", "hate_speech", 0.8, null, null, 10L))).get(0);
    assertThat(first.status()).isEqualTo(GateResult.NO_BASELINE);
    assertThat(first.failed()).isFalse();
    assertThat(first.message()).contains("no earlier successful run");

    GateResult missing = check(List.of(gate), "r1",
        List.of(figure("agreement", "f1", "hate_speech", 0.8, null, null, 10L)), List.of()).get(0);
    assertThat(missing.status()).isEqualTo(GateResult.FAILED);
    assertThat(missing.message()).contains("this run has no figure f1[hate_speech]");

    GateResult newCategory = check(List.of(gate), "r1", List.of(),
        List.of(figure("agreement", "f1", "hate_speech", 0.8, null, null, 10L))).get(0);
    assertThat(newCategory.status()).isEqualTo(GateResult.PASSED);
    assertThat(newCategory.message()).contains("baseline run r1 has no figure");
  }

  @Test
  void riseFromZeroBreaksARelativeLimit() {
    GateResult r = check(List.of(gate("prevalence", "minor_safety", null, 0.5, false)), "r1",
        List.of(figure("prevalence", "prevalence", "minor_safety", 0.0, 0.0, 0.002, 1500L)),
        List.of(figure("prevalence", "prevalence", "minor_safety", 0.004, 0.001, 0.008, 1500L))).get(0);
    assertThat(r.status()).isEqualTo(GateResult.FAILED);
    assertThat(r.relativeChange()).isNull();
    assertThat(r.message()).contains("moved away from a baseline value of 0");
  }

  @Test
  void comparisonRowsCarryDeltaIntervalPValueAndFlag() {
    List<Figure> before = List.of(
        figure("agreement", "precision", "spam_scam", 0.5, 0.40, 0.60, 100L),
        figure("agreement", "f1", "spam_scam", 0.70, 0.65, 0.75, 300L),
        figure("score", "cost_usd", "", 1.0, null, null, 600L),
        figure("diversity", "entropy", "", 2.0, null, null, 600L),
        figure("agreement", "kappa", "gone_category", 0.4, 0.3, 0.5, 50L));
    List<Figure> now = List.of(
        figure("agreement", "precision", "spam_scam", 0.6, 0.50, 0.69, 100L),
        figure("agreement", "f1", "spam_scam", 0.60, 0.55, 0.64, 300L),
        figure("score", "cost_usd", "", 1.5, null, null, 600L),
        figure("diversity", "entropy", "", 2.2, null, null, 600L));
    List<Delta> deltas = RunComparison.compare(before, now, ALPHA);
    assertThat(deltas).extracting(Delta::method).containsExactly("z_test", "interval_overlap", "none", "none");

    Map<String, Double> rows = new LinkedHashMap<>();
    RunComparison.rows("r2", deltas).forEach(r -> {
      assertThat(r.getString(0)).isEqualTo("r2");
      assertThat(r.getString(1)).isEqualTo(RunComparison.REPORT);
      rows.put(r.getString(2) + "/" + r.getString(3), r.getDouble(6));
    });
    assertThat(rows).containsOnlyKeys("precision_delta/spam_scam", "precision_p_value/spam_scam",
        "precision_significant/spam_scam", "f1_delta/spam_scam", "f1_significant/spam_scam", "cost_usd_delta/",
        "diversity:entropy_delta/");
    assertThat(rows.get("precision_delta/spam_scam")).isCloseTo(0.1, within(1e-12));
    assertThat(rows.get("precision_p_value/spam_scam")).isCloseTo(0.15522, within(1e-4));
    assertThat(rows.get("precision_significant/spam_scam")).isEqualTo(0.0);
    assertThat(rows.get("f1_significant/spam_scam")).isEqualTo(1.0); // 0.65..0.75 vs 0.55..0.64
    assertThat(rows.get("cost_usd_delta/")).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void aFigureMissingForLackOfDataIsNoDataWithTheReasonNotADrop() {
    GateSpec strict = gate("f1", "micro", 0.03, null, false);
    GateSpec lenient = new GateSpec("f1", null, "hate_speech", null, null, 0.03, null, null, null, false, GateSpec.PASS);
    List<Figure> before = List.of(figure("agreement", "f1", "micro", 0.56, 0.5, 0.6, 900L),
        figure("agreement", "f1", "hate_speech", 0.56, 0.5, 0.6, 900L));
    Map<FigureKey, Delta> deltas = new LinkedHashMap<>();
    RunComparison.compare(before, List.of(), ALPHA).forEach(d -> deltas.put(d.key(), d));
    String why = "no scored items: 12 of the 12 items tried failed (100%)";

    List<GateResult> results = Gates.evaluate(List.of(strict, lenient), "r1", Map.of(), deltas, g -> why);

    GateResult failing = results.get(0);
    assertThat(failing.status()).isEqualTo(GateResult.NO_DATA);
    assertThat(failing.failed()).isTrue();
    assertThat(failing.noData()).isTrue();
    assertThat(failing.currentValue()).isNull();
    assertThat(failing.delta()).isNull();
    assertThat(failing.message()).isEqualTo("f1[micro] in report agreement: no data, so no figure to check (" + why
        + "); the gate fails (on-no-data: fail)").doesNotContain("dropped");

    GateResult passing = results.get(1);
    assertThat(passing.status()).isEqualTo(GateResult.NO_DATA);
    assertThat(passing.failed()).isFalse();
    assertThat(passing.message()).endsWith("the gate passes (on-no-data: pass)");
    assertThat(lenient.describe()).isEqualTo("f1 [hate_speech] max-drop 0.03, on-no-data pass");
    assertThat(strict.describe()).isEqualTo("f1 [micro] max-drop 0.03");
  }

  @Test
  void aFigureMissingWithDataBehindItStillFailsAsMisconfigured() {
    GateSpec gate = gate("f1", "micro", 0.03, null, false);
    GateResult r = Gates.evaluate(List.of(gate), null, Map.of(), Map.of(), g -> null).get(0);
    assertThat(r.status()).isEqualTo(GateResult.FAILED);
    assertThat(r.message()).contains("this run has no figure f1[micro]");
  }
}
