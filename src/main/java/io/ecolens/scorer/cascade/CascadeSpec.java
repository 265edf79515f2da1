package io.ecolens.scorer.cascade;

import io.ecolens.config.ScorerType;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A cascade: the {@code first} scorer type scores everything, items it is unsure of (a score
 * within {@code band} of a threshold) go to the {@code second}. With {@code targetShare}, each
 * batch's band shrinks so that about that share of the batch goes on (never wider than band).
 *
 * <p>With a {@code pilot}, the bands are fitted on labelled items ({@link CascadeFit}): until
 * {@code bands} is set every item goes on (the pilot), then each category has its own band.
 */
public record CascadeSpec(ScorerType first, ScorerType second, double band, Double targetShare, Pilot pilot,
    Map<String, Double> bands) implements Serializable {

  /**
   * Bands fitted on up to {@code items} labelled items so that the cascade's micro F1 stays within
   * {@code tolerance} (a fraction: 0.01 is one point) of the second scorer alone.
   */
  public record Pilot(double tolerance, int items) implements Serializable {}

  public CascadeSpec {
    if (band < 0 || band > 1) {
      throw new IllegalArgumentException("band must be between 0 and 1, cannot be: " + band);
    }
    if (targetShare != null && (targetShare < 0 || targetShare > 1)) {
      throw new IllegalArgumentException("target share must be between 0 and 1, cannot be: " + targetShare);
    }
    bands = bands == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(bands));
  }

  public CascadeSpec(ScorerType first, ScorerType second, double band, Double targetShare) {
    this(first, second, band, targetShare, null, null);
  }

  /** The same cascade with its fitted bands (category id to band). */
  public CascadeSpec withBands(Map<String, Double> fitted) {
    return new CascadeSpec(first, second, band, targetShare, pilot, fitted);
  }

  /** True while the bands are still to be fitted: every item goes to the second scorer. */
  public boolean piloting() {
    return pilot != null && bands == null;
  }

  /**
   * The band as it goes into the model id, e.g. {@code band=0.15}, {@code share=0.2,band<=0.15} or
   * {@code tolerance=0.010,pilot=500} (the same before and after the fit: the pilot's rows and the
   * rest are one model's).
   */
  public String describeBand() {
    if (pilot != null) {
      return String.format(Locale.ROOT, "tolerance=%.3f,pilot=%d", pilot.tolerance(), pilot.items());
    }
    return targetShare == null ? String.format(Locale.ROOT, "band=%.3f", band)
        : String.format(Locale.ROOT, "share=%.3f,band<=%.3f", targetShare, band);
  }
}
