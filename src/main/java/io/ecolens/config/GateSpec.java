package io.ecolens.config;

import io.ecolens.tables.KnownMetrics;
import io.ecolens.tables.FigureKey;

/**
 * One run-over-run quality gate, as written under {@code gates:} in the config: a figure of
 * {@code metrics} (metric, report, category, slice) and the largest change allowed against the
 * baseline run. Limits are absolute points ({@code max-drop: 0.03} = 3 points of F1) or relative to
 * the baseline value ({@code max-rise-relative: 0.5} = +50%); at least one is required, and every
 * limit given must hold. With {@code only-if-significant} a change beyond a limit fails the gate
 * only when the comparison's significance test also flags it. {@code on-no-data} ({@code fail} by
 * default, or {@code pass}) says whether a figure missing because the run had no data for it (no
 * scored or no labelled items) fails the run.
 *
 * <p>{@code report} defaults to the report that writes the metric (see {@link KnownMetrics});
 * {@code category} defaults to none ("", the metrics of the whole run) and the slice to all/all.
 */
public record GateSpec(
    String metric,
    String report,
    String category,
    String sliceKey,
    String sliceValue,
    Double maxDrop,
    Double maxRise,
    Double maxDropRelative,
    Double maxRiseRelative,
    Boolean onlyIfSignificant,
    String onNoData) {

  /** {@code on-no-data: fail} (the default): a gate without data fails the run. */
  public static final String FAIL = "fail";
  /** {@code on-no-data: pass}: a gate without data is reported and lets the run pass. */
  public static final String PASS = "pass";
  /** What {@link #describe()} adds for {@code on-no-data: pass}, so that a stored outcome says it too. */
  public static final String NO_DATA_PASSES = "on-no-data pass";

  @com.fasterxml.jackson.annotation.JsonCreator
  public GateSpec {
    onNoData = onNoData == null ? FAIL : onNoData;
    report = report == null && metric != null ? KnownMetrics.reportOf(metric) : report;
    category = category == null ? "" : category;
    sliceKey = sliceKey == null ? "all" : sliceKey;
    sliceValue = sliceValue == null ? "all" : sliceValue;
    onlyIfSignificant = onlyIfSignificant != null && onlyIfSignificant;
  }

  /** A gate that fails the run when its figure has no data. */
  public GateSpec(String metric, String report, String category, String sliceKey, String sliceValue, Double maxDrop,
      Double maxRise, Double maxDropRelative, Double maxRiseRelative, Boolean onlyIfSignificant) {
    this(metric, report, category, sliceKey, sliceValue, maxDrop, maxRise, maxDropRelative, maxRiseRelative,
        onlyIfSignificant, null);
  }

  /** True when the run fails if this gate's figure has no data ({@code on-no-data: fail}). */
  public boolean failsWithoutData() {
    return FAIL.equals(onNoData);
  }

  /** The figure this gate watches. */
  public FigureKey key() {
    return new FigureKey(report, metric, category, sliceKey, sliceValue);
  }

  /** A short readable form, e.g. {@code f1 [hate_speech] max-drop 0.03}. */
  public String describe() {
    StringBuilder s = new StringBuilder(metric);
    if (!category.isEmpty()) {
      s.append(" [").append(category).append(']');
    }
    if (!"all".equals(sliceKey) || !"all".equals(sliceValue)) {
      s.append(" {").append(sliceKey).append('=').append(sliceValue).append('}');
    }
    limit(s, "max-drop", maxDrop);
    limit(s, "max-rise", maxRise);
    limit(s, "max-drop-relative", maxDropRelative);
    limit(s, "max-rise-relative", maxRiseRelative);
    if (onlyIfSignificant) {
      s.append(", only if significant");
    }
    if (!failsWithoutData()) {
      s.append(", ").append(NO_DATA_PASSES);
    }
    return s.toString();
  }

  private static void limit(StringBuilder s, String name, Double value) {
    if (value != null) {
      s.append(' ').append(name).append(' ').append(value);
    }
  }
}
