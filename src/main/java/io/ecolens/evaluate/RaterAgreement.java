package io.ecolens.evaluate;

/**
 * Inter-annotator agreement from per-item vote counts (one count per class), as a mergeable
 * state: items with at least two votes contribute, others cannot show (dis)agreement.
 *
 * <p>Fleiss' kappa, generalised to a varying number of raters per item: P_i = Σ_j n_ij (n_ij − 1)
 * / (n_i (n_i − 1)), P̄ their mean, p_j = Σ_i n_ij / Σ_i n_i, P_e = Σ_j p_j², κ = (P̄ − P_e) / (1 − P_e).
 * With the same n for every item this is Fleiss (1971) exactly.
 *
 * <p>Krippendorff's alpha (nominal), from the coincidence matrix: o_ck = Σ_u n_uc n_uk / (m_u − 1)
 * (c ≠ k; n_uc (n_uc − 1) / (m_u − 1) on the diagonal), n_c = Σ_k o_ck, n = Σ_c n_c,
 * α = 1 − (n − 1) (n − Σ_c o_cc) / (n² − Σ_c n_c²). Missing labels are simply absent votes, so
 * m_u varies per item. Both are NaN when every vote falls in one class (no expected disagreement).
 */
public record RaterAgreement(long items, double sumAgreement, double[] classVotes, double sumCoincidence) {

  public static RaterAgreement empty(int classes) {
    return new RaterAgreement(0, 0, new double[classes], 0);
  }

  /** Adds one item's votes per class; items with fewer than two votes are ignored. */
  public RaterAgreement plusItem(long... counts) {
    long m = 0;
    double same = 0;
    for (long c : counts) {
      m += c;
      same += (double) c * (c - 1);
    }
    if (m < 2) {
      return this;
    }
    double[] votes = classVotes.clone();
    for (int j = 0; j < counts.length; j++) {
      votes[j] += counts[j];
    }
    return new RaterAgreement(items + 1, sumAgreement + same / ((double) m * (m - 1)), votes,
        sumCoincidence + same / (m - 1));
  }

  /** Sums two states. */
  public RaterAgreement plus(RaterAgreement o) {
    double[] votes = classVotes.clone();
    for (int j = 0; j < votes.length; j++) {
      votes[j] += o.classVotes[j];
    }
    return new RaterAgreement(items + o.items, sumAgreement + o.sumAgreement, votes, sumCoincidence + o.sumCoincidence);
  }

  public double fleissKappa() {
    double total = total();
    if (items == 0 || total == 0) {
      return Double.NaN;
    }
    double pBar = sumAgreement / items;
    double pe = 0;
    for (double v : classVotes) {
      pe += (v / total) * (v / total);
    }
    return pe >= 1 ? Double.NaN : (pBar - pe) / (1 - pe);
  }

  public double krippendorffAlpha() {
    double n = total();
    double squares = 0;
    for (double v : classVotes) {
      squares += v * v;
    }
    double expected = n * n - squares;
    return items == 0 || expected <= 0 ? Double.NaN : 1 - (n - 1) * (n - sumCoincidence) / expected;
  }

  private double total() {
    double t = 0;
    for (double v : classVotes) {
      t += v;
    }
    return t;
  }
}
