package io.ecolens.gate;

import io.ecolens.tables.FigureKey;
import io.ecolens.config.GateSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Decides each configured gate from the run's figures and their comparison with the baseline.
 * Pure: no Spark, no I/O.
 *
 * <p>A gate fails when its figure moved past any of its limits (a drop beyond {@code max-drop}
 * points or {@code max-drop-relative} of the baseline value, a rise beyond {@code max-rise} or
 * {@code max-rise-relative}), unless {@code only-if-significant} is set and the change's test did
 * not flag it. It also fails when the run lacks the figure, since a gate that watches nothing
 * cannot catch anything, unless the figure is missing because the run had no data for it (no
 * scored or no labelled items): then its status is {@code no_data}, with the reason, and it fails
 * or passes as its {@code on-no-data} says. It passes with a note when there is no baseline run,
 * or when the baseline lacks the figure (a new category or slice).
 */
public final class Gates {
  /** Changes smaller than this are rounding, not movement. */
  private static final double EPSILON = 1e-12;

  private Gates() {}

  /**
   * The result of every gate, in config order. {@code baselineRun} is null when there is none;
   * {@code deltas} are the comparison of the two runs by figure.
   */
  public static List<GateResult> evaluate(List<GateSpec> gates, String baselineRun, Map<FigureKey, Figure> current,
      Map<FigureKey, Delta> deltas) {
    return evaluate(gates, baselineRun, current, deltas, gate -> null);
  }

  /**
   * As above; {@code noData} says why the run has no data for a gate's figure (e.g. "no scored
   * items: ..."), or null when it has data. A gate whose figure is missing for that reason gets
   * status {@code no_data} instead of failing as misconfigured.
   */
  public static List<GateResult> evaluate(List<GateSpec> gates, String baselineRun, Map<FigureKey, Figure> current,
      Map<FigureKey, Delta> deltas, Function<GateSpec, String> noData) {
    List<GateResult> results = new ArrayList<>();
    for (GateSpec gate : gates) {
      Figure figure = current.get(gate.key());
      String why = figure == null ? noData.apply(gate) : null;
      results.add(why != null ? noData(gate, baselineRun, why)
          : evaluate(gate, baselineRun, figure, deltas.get(gate.key())));
    }
    return results;
  }

  /** A gate whose figure the run could not compute for lack of data: its own status, the reason, and no "drop". */
  static GateResult noData(GateSpec gate, String baselineRun, String why) {
    return new GateResult(gate, GateResult.NO_DATA, baselineRun, null, null, null, null, null, null,
        where(gate) + ": no data, so no figure to check (" + why + "); "
            + (gate.failsWithoutData() ? "the gate fails (on-no-data: fail)" : "the gate passes (on-no-data: pass)"));
  }

  static GateResult evaluate(GateSpec gate, String baselineRun, Figure current, Delta delta) {
    Double now = current == null ? null : current.value();
    if (current == null) {
      return new GateResult(gate, GateResult.FAILED, baselineRun, null, null, null, null, null, null,
          "this run has no figure " + where(gate)
              + "; check the gate's metric, category and slice, or why report '" + gate.report() + "' did not write it");
    }
    if (baselineRun == null) {
      return new GateResult(gate, GateResult.NO_BASELINE, null, null, now, null, null, null, null,
          "no earlier successful run to compare with; the gate passes and this run can be the next baseline");
    }
    if (delta == null) {
      return new GateResult(gate, GateResult.PASSED, baselineRun, null, now, null, null, null, null,
          "baseline run " + baselineRun + " has no figure " + where(gate) + "; nothing to compare");
    }
    double change = delta.delta();
    double relative = delta.relative();
    List<String> broken = new ArrayList<>();
    check(broken, "max-drop", gate.maxDrop(), -change, "dropped %s points");
    check(broken, "max-rise", gate.maxRise(), change, "rose %s points");
    check(broken, "max-drop-relative", gate.maxDropRelative(), -relative, "dropped %s of its baseline value");
    check(broken, "max-rise-relative", gate.maxRiseRelative(), relative, "rose %s of its baseline value");
    String figures = String.format(Locale.ROOT, "%s: %s -> %s (baseline run %s, change %+.4f%s%s)",
        where(gate), number(delta.baseline().value()), number(now), baselineRun, change,
        Double.isFinite(relative) ? String.format(Locale.ROOT, ", %+.1f%%", relative * 100) : "",
        delta.pValue() == null ? "" : String.format(Locale.ROOT, ", p = %.3g", delta.pValue()));
    String status;
    String message;
    if (broken.isEmpty()) {
      status = GateResult.PASSED;
      message = figures + " within limits";
    } else if (gate.onlyIfSignificant() && !Boolean.TRUE.equals(delta.significant())) {
      status = GateResult.PASSED;
      message = figures + " " + String.join("; ", broken) + ", but the change is not significant ("
          + delta.method() + ")";
    } else {
      status = GateResult.FAILED;
      message = figures + " " + String.join("; ", broken);
    }
    return new GateResult(gate, status, baselineRun, delta.baseline().value(), now, change,
        Double.isFinite(relative) ? relative : null, delta.pValue(), delta.significant(), message);
  }

  private static void check(List<String> broken, String limitName, Double limit, double movement, String what) {
    if (limit != null && movement > limit + EPSILON) {
      boolean relative = limitName.endsWith("relative");
      String limitText = " (" + limitName + " "
          + (relative ? String.format(Locale.ROOT, "%.1f%%", limit * 100) : number(limit)) + ")";
      if (Double.isInfinite(movement)) {
        broken.add("moved away from a baseline value of 0" + limitText);
        return;
      }
      String amount = relative ? String.format(Locale.ROOT, "%.1f%%", movement * 100) : number(movement);
      broken.add(String.format(Locale.ROOT, what, amount) + limitText);
    }
  }

  private static String where(GateSpec gate) {
    return gate.metric() + (gate.category().isEmpty() ? "" : "[" + gate.category() + "]")
        + ("all".equals(gate.sliceKey()) && "all".equals(gate.sliceValue()) ? ""
            : "{" + gate.sliceKey() + "=" + gate.sliceValue() + "}")
        + " in report " + gate.report();
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
