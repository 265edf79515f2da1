package io.ecolens.scorer.cascade;

import io.ecolens.config.ScorerType;
import java.io.Serializable;
import java.util.Locale;

/**
 * A cascade: the {@code first} scorer type scores everything, items it is unsure of (a score
 * within {@code band} of a threshold) go to the {@code second}. With {@code targetShare}, each
 * batch's band shrinks so that about that share of the batch goes on (never wider than band).
 */
public record CascadeSpec(ScorerType first, ScorerType second, double band, Double targetShare) implements Serializable {
  public CascadeSpec {
    if (band < 0 || band > 1) {
      throw new IllegalArgumentException("band must be between 0 and 1, cannot be: " + band);
    }
    if (targetShare != null && (targetShare < 0 || targetShare > 1)) {
      throw new IllegalArgumentException("target share must be between 0 and 1, cannot be: " + targetShare);
    }
  }

  /** The band as it goes into the model id, e.g. {@code band=0.15} or {@code share=0.2,band<=0.15}. */
  public String describeBand() {
    return targetShare == null ? String.format(Locale.ROOT, "band=%.3f", band)
        : String.format(Locale.ROOT, "share=%.3f,band<=%.3f", targetShare, band);
  }
}
