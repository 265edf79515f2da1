package io.ecolens.config;

import io.ecolens.tables.KnownMetrics;
import io.ecolens.Errors;
import io.ecolens.policy.Policy;
import java.util.List;
import java.util.Set;

/**
 * Checks the {@code gates} and {@code comparison} sections when the config is loaded, and the
 * gates' categories once the policy is known. Every error names the key and the file.
 */
public final class GateConfig {
  private static final String NAME = "[A-Za-z0-9_]+";
  private static final String RUN_ID = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}";
  /** Category values of aggregate agreement figures, valid whatever the policy. */
  private static final Set<String> AGGREGATES = Set.of("", "micro", "macro");

  private GateConfig() {}

  /** Fails on the first invalid gate or comparison setting. */
  public static void validate(String source, List<GateSpec> gates, ComparisonSettings comparison) {
    double alpha = comparison.alpha();
    if (!(alpha > 0 && alpha < 1)) {
      throw Errors.config(source, "comparison.alpha", "must be between 0 and 1 (exclusive), e.g. 0.05, cannot be: " + alpha);
    }
    String baseline = comparison.baselineRun();
    if (baseline != null && !baseline.matches(RUN_ID)) {
      throw Errors.config(source, "comparison.baseline-run", "'" + baseline
          + "' is not a run id (letters, digits and _ . : -, starting with a letter or digit)");
    }
    for (int i = 0; i < gates.size(); i++) {
      validate(source, "gates[" + i + "]", gates.get(i));
    }
  }

  private static void validate(String source, String key, GateSpec gate) {
    if (gate == null) {
      throw Errors.config(source, key, "is empty; a gate needs at least 'metric' and a limit, e.g. {metric: f1, category: hate_speech, max-drop: 0.03}");
    }
    if (gate.metric() == null || gate.metric().isBlank()) {
      throw Errors.config(source, key + ".metric", "is required, e.g. metric: f1");
    }
    if (!gate.metric().matches(NAME)) {
      throw Errors.config(source, key + ".metric", "'" + gate.metric() + "' is not a metric name (letters, digits, underscores)");
    }
    if (gate.report() == null) {
      throw Errors.config(source, key + ".metric", "unknown metric '" + gate.metric() + "'; known: "
          + String.join(", ", KnownMetrics.names())
          + ". For a metric another report writes (e.g. diversity), also give 'report:' with that report's name");
    }
    if (!gate.report().matches(NAME) || KnownMetrics.COMPARISON_REPORT.equals(gate.report())) {
      throw Errors.config(source, key + ".report", "'" + gate.report()
          + "' is not a report name of the metrics table (e.g. agreement, prevalence)");
    }
    if ("all".equals(gate.sliceKey()) != "all".equals(gate.sliceValue())) {
      throw Errors.config(source, key + ".slice-key", "give both slice-key and slice-value (e.g. slice-key: format, "
          + "slice-value: video), or neither for the whole run");
    }
    if (!GateSpec.FAIL.equals(gate.onNoData()) && !GateSpec.PASS.equals(gate.onNoData())) {
      throw Errors.config(source, key + ".on-no-data", "'" + gate.onNoData() + "' is not one of fail, pass (what a "
          + "gate does when the run has no data for its figure, e.g. no scored items)");
    }
    Double[] limits = {gate.maxDrop(), gate.maxRise(), gate.maxDropRelative(), gate.maxRiseRelative()};
    String[] names = {"max-drop", "max-rise", "max-drop-relative", "max-rise-relative"};
    boolean any = false;
    for (int i = 0; i < limits.length; i++) {
      if (limits[i] == null) {
        continue;
      }
      any = true;
      if (!Double.isFinite(limits[i]) || limits[i] < 0) {
        throw Errors.config(source, key + "." + names[i], "must be a number at least 0 ("
            + (names[i].endsWith("relative") ? "a share of the baseline value: 0.5 = 50%" : "absolute points: 0.03 = 3 points")
            + "), cannot be: " + limits[i]);
      }
    }
    if (!any) {
      throw Errors.config(source, key, "gate on '" + gate.metric()
          + "' has no limit; give at least one of max-drop, max-rise, max-drop-relative, max-rise-relative");
    }
  }

  /** Fails when a gate names a category the policy does not have (micro and macro are always valid). */
  public static void validateCategories(String source, List<GateSpec> gates, Policy policy) {
    for (int i = 0; i < gates.size(); i++) {
      String category = gates.get(i).category();
      if (!AGGREGATES.contains(category) && policy.category(category) == null) {
        throw Errors.config(source, "gates[" + i + "].category", "'" + category + "' is not a category of policy "
            + policy.id() + " v" + policy.version() + "; expected one of: "
            + String.join(", ", policy.categories().stream().map(Policy.Category::id).toList())
            + " (or micro, macro)");
      }
    }
  }
}
