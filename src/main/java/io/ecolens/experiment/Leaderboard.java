package io.ecolens.experiment;

import io.ecolens.evaluate.Agreement;
import java.util.ArrayList;
import java.util.List;

/**
 * Every figure of an experiment, computed on the driver from the variants' verdicts on the
 * sample (pure: no Spark): per variant and category precision, recall (Wilson intervals), F1 and
 * AUPRC (bootstrap intervals), Cohen's kappa (Cohen 1960 interval); per variant cost, tokens,
 * latency and error rate; per pair of variants the paired-bootstrap differences of F1 and AUPRC
 * and McNemar's test per category. A variant "beats" another only when the 95% interval of its
 * micro-F1 difference excludes 0.
 */
public final class Leaderboard {
  public static final String ALL = PairedBootstrap.ALL;

  /** What identifies a variant's verdicts: the scoring-ledger key and its settings. */
  public record VariantInfo(String name, String description, String scorer, String model, String policyVersion,
      String promptHash, String settingsJson, String runId) {}

  /** One line of the leaderboard. */
  public record Summary(String variant, double f1, double f1Low, double f1High, double auprc, double auprcLow,
      double auprcHigh, double kappa, double costPer1kItems, double tokensPerItem, double latencyP50Ms,
      double latencyP95Ms, double errorRate, long items, boolean pareto) {}

  /** B against A on micro F1 and macro AUPRC, with the verdict. */
  public record Comparison(String variant, String comparedTo, PairedBootstrap.Difference f1,
      PairedBootstrap.Difference auprc, List<McNemarRow> mcnemar) {
    /** "beats", "loses to" or "no significant difference from". */
    public String verdict() {
      if (!f1.significant()) {
        return "no significant difference from";
      }
      return f1.diff() > 0 ? "beats" : "loses to";
    }
  }

  /** McNemar's test in one category. */
  public record McNemarRow(String category, McNemar test) {}

  private final List<ResultRow> rows;
  private final List<Summary> summaries;
  private final List<Comparison> comparisons;

  private Leaderboard(List<ResultRow> rows, List<Summary> summaries, List<Comparison> comparisons) {
    this.rows = List.copyOf(rows);
    this.summaries = List.copyOf(summaries);
    this.comparisons = List.copyOf(comparisons);
  }

  /** The figures of {@code variants} (in order) against {@code human}. */
  public static Leaderboard compute(List<VariantInfo> infos, Judgements human, List<Judgements> verdicts,
      List<VariantReads.Operations> operations, PairedBootstrap bootstrap) {
    List<ResultRow> rows = new ArrayList<>();
    List<Summary> summaries = new ArrayList<>();
    String percentile = "percentile bootstrap over items, B=" + bootstrap.iterations() + ", seed=" + bootstrap.seed();
    List<String> categories = human.categories();
    for (int v = 0; v < infos.size(); v++) {
      String name = infos.get(v).name();
      Judgements judge = verdicts.get(v);
      List<PairedBootstrap.Estimate> estimates = bootstrap.estimate(human, judge);
      Agreement pooled = new Agreement(0, 0, 0, 0);
      for (int k = 0; k <= categories.size(); k++) {
        String category = k == categories.size() ? ALL : categories.get(k);
        Agreement a = k == categories.size() ? pooled : confusion(human, judge, k);
        if (k < categories.size()) {
          pooled = pooled.plus(a);
        }
        rows.add(ResultRow.of(name, category, "precision", a.precision(), Agreement.wilson(a.tp(), a.tp() + a.fp()),
            a.tp() + a.fp(), "Wilson interval"));
        rows.add(ResultRow.of(name, category, "recall", a.recall(), Agreement.wilson(a.tp(), a.tp() + a.fn()),
            a.tp() + a.fn(), "Wilson interval"));
        double kappa = a.kappa();
        if (!Double.isNaN(kappa)) {
          rows.add(ResultRow.of(name, category, "kappa", kappa, a.kappaInterval(), a.n(),
              "Cohen's kappa vs adjudicated human labels, Cohen (1960) interval"));
        }
        for (String count : List.of("tp", "fp", "fn", "tn")) {
          long value = switch (count) {
            case "tp" -> a.tp();
            case "fp" -> a.fp();
            case "fn" -> a.fn();
            default -> a.tn();
          };
          rows.add(ResultRow.of(name, category, count, value, null, a.n(), "count"));
        }
      }
      for (PairedBootstrap.Estimate e : estimates) {
        if (!Double.isNaN(e.value())) {
          String how = e.metric().equals(PairedBootstrap.AUPRC) && e.category().equals(ALL)
              ? "macro average precision; " + percentile
              : e.metric().equals(PairedBootstrap.F1) && e.category().equals(ALL) ? "micro F1; " + percentile
              : percentile;
          rows.add(ResultRow.of(name, e.category(), e.metric(), e.value(), new double[] {e.low(), e.high()}, e.n(),
              how));
        }
      }
      VariantReads.Operations ops = operations.get(v);
      rows.add(ResultRow.of(name, ALL, "items", ops.items(), null, ops.items(), "items of the sample scored"));
      rows.add(ResultRow.of(name, ALL, "cost_per_1k_items", ops.costPer1kItems(), null, ops.items(),
          "USD per 1,000 items, at the scoring ledger's cost (cached rows count what their first scoring cost)"));
      rows.add(ResultRow.of(name, ALL, "tokens_per_item", ops.tokensPerItem(), null, ops.items(),
          "input + output tokens per item"));
      rows.add(ResultRow.of(name, ALL, "latency_p50_ms", ops.latencyP50Ms(), null, ops.items(),
          "median of each item's scoring call latency"));
      rows.add(ResultRow.of(name, ALL, "latency_p95_ms", ops.latencyP95Ms(), null, ops.items(),
          "95th percentile of each item's scoring call latency"));
      rows.add(ResultRow.of(name, ALL, "error_rate", ops.errorRate(), Agreement.wilson(ops.errorRows(), ops.rows()),
          ops.rows(), "error rows / score rows, Wilson interval"));
      rows.add(ResultRow.of(name, ALL, "paid_usd", ops.paidUsd(), null, ops.items(),
          "USD this run spent (0 for rows reused from the scoring ledger)"));

      PairedBootstrap.Estimate f1 = find(estimates, PairedBootstrap.F1);
      PairedBootstrap.Estimate auprc = find(estimates, PairedBootstrap.AUPRC);
      summaries.add(new Summary(name, f1.value(), f1.low(), f1.high(), auprc.value(), auprc.low(), auprc.high(),
          pooled.kappa(), ops.costPer1kItems(), ops.tokensPerItem(), ops.latencyP50Ms(), ops.latencyP95Ms(),
          ops.errorRate(), ops.items(), false));
    }
    summaries = pareto(summaries);

    List<Comparison> comparisons = new ArrayList<>();
    String paired = "paired bootstrap over items, B=" + bootstrap.iterations() + ", seed=" + bootstrap.seed();
    for (int a = 0; a < infos.size(); a++) {
      for (int b = a + 1; b < infos.size(); b++) {
        String nameA = infos.get(a).name();
        String nameB = infos.get(b).name();
        List<PairedBootstrap.Difference> diffs = bootstrap.compare(human, verdicts.get(a), verdicts.get(b));
        for (PairedBootstrap.Difference d : diffs) {
          if (Double.isNaN(d.diff())) {
            continue;
          }
          String metric = d.metric() + "_diff";
          rows.add(new ResultRow(nameB, nameA, d.category(), metric, d.diff(), nan(d.low()), nan(d.high()), d.n(),
              paired + "; value = " + nameB + " - " + nameA));
          rows.add(new ResultRow(nameB, nameA, d.category(), metric + "_p", d.pValue(), null, null, d.n(),
              paired + "; two-sided p = 2 min(share <= 0, share >= 0)"));
        }
        List<McNemarRow> tests = new ArrayList<>();
        for (int k = 0; k < categories.size(); k++) {
          McNemar m = mcnemar(human, verdicts.get(a), verdicts.get(b), k);
          tests.add(new McNemarRow(categories.get(k), m));
          rows.add(new ResultRow(nameB, nameA, categories.get(k), "mcnemar_p", m.pValue(), null, null, m.b() + m.c(),
              "McNemar, " + m.method() + "; b = " + m.b() + " right only by " + nameA + ", c = " + m.c()
                  + " right only by " + nameB));
          rows.add(new ResultRow(nameB, nameA, categories.get(k), "mcnemar_statistic", m.statistic(), null, null,
              m.b() + m.c(), "McNemar, " + m.method()));
        }
        PairedBootstrap.Difference f1 = pooled(diffs, PairedBootstrap.F1);
        PairedBootstrap.Difference auprc = pooled(diffs, PairedBootstrap.AUPRC);
        Comparison c = new Comparison(nameB, nameA, f1, auprc, tests);
        rows.add(new ResultRow(nameB, nameA, ALL, "beats", f1.significant() ? Math.signum(f1.diff()) : 0, null, null,
            f1.n(), "1: " + nameB + " better on micro F1 (95% paired-bootstrap interval of the difference excludes 0); "
                + "-1: worse; 0: no significant difference"));
        comparisons.add(c);
      }
    }
    return new Leaderboard(rows, summaries, comparisons);
  }

  /** Confusion matrix of {@code judge} against {@code human} in category k (pairs where both exist). */
  static Agreement confusion(Judgements human, Judgements judge, int k) {
    long tp = 0;
    long fp = 0;
    long fn = 0;
    long tn = 0;
    for (int i = 0; i < human.items(); i++) {
      byte h = human.label(k, i);
      byte j = judge.label(k, i);
      if (h == Judgements.MISSING || j == Judgements.MISSING) {
        continue;
      }
      if (h == 1 && j == 1) {
        tp++;
      } else if (j == 1) {
        fp++;
      } else if (h == 1) {
        fn++;
      } else {
        tn++;
      }
    }
    return new Agreement(tp, fp, fn, tn);
  }

  /** McNemar's test of A and B against the human label in category k, on items all three labelled. */
  static McNemar mcnemar(Judgements human, Judgements a, Judgements b, int k) {
    long onlyA = 0;
    long onlyB = 0;
    for (int i = 0; i < human.items(); i++) {
      byte h = human.label(k, i);
      byte la = a.label(k, i);
      byte lb = b.label(k, i);
      if (h == Judgements.MISSING || la == Judgements.MISSING || lb == Judgements.MISSING) {
        continue;
      }
      boolean rightA = la == h;
      boolean rightB = lb == h;
      if (rightA && !rightB) {
        onlyA++;
      } else if (rightB && !rightA) {
        onlyB++;
      }
    }
    return McNemar.test(onlyA, onlyB);
  }

  /** Marks the variants no other variant dominates (cost no higher and micro F1 no lower, one strictly). */
  static List<Summary> pareto(List<Summary> in) {
    List<Summary> out = new ArrayList<>();
    for (Summary s : in) {
      boolean dominated = false;
      for (Summary o : in) {
        if (o == s || Double.isNaN(o.costPer1kItems()) || Double.isNaN(o.f1())) {
          continue;
        }
        boolean noWorse = o.costPer1kItems() <= s.costPer1kItems() && o.f1() >= s.f1();
        boolean better = o.costPer1kItems() < s.costPer1kItems() || o.f1() > s.f1();
        dominated |= noWorse && better;
      }
      boolean measurable = !Double.isNaN(s.costPer1kItems()) && !Double.isNaN(s.f1());
      out.add(new Summary(s.variant(), s.f1(), s.f1Low(), s.f1High(), s.auprc(), s.auprcLow(), s.auprcHigh(),
          s.kappa(), s.costPer1kItems(), s.tokensPerItem(), s.latencyP50Ms(), s.latencyP95Ms(), s.errorRate(),
          s.items(), measurable && !dominated));
    }
    return out;
  }

  private static PairedBootstrap.Estimate find(List<PairedBootstrap.Estimate> es, String metric) {
    return es.stream().filter(e -> e.metric().equals(metric) && e.category().equals(ALL)).findFirst().orElseThrow();
  }

  private static PairedBootstrap.Difference pooled(List<PairedBootstrap.Difference> ds, String metric) {
    return ds.stream().filter(d -> d.metric().equals(metric) && d.category().equals(ALL)).findFirst().orElseThrow();
  }

  private static Double nan(double d) {
    return Double.isNaN(d) ? null : d;
  }

  public List<ResultRow> rows() {
    return rows;
  }

  public List<Summary> summaries() {
    return summaries;
  }

  public List<Comparison> comparisons() {
    return comparisons;
  }
}
