package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;

import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig.EvaluateSettings;
import io.ecolens.evaluate.Adjudication;
import io.ecolens.policy.Policy;
import io.ecolens.run.RunContext;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.Scorer;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.cascade.CascadeFit;
import io.ecolens.scorer.cascade.CascadeSpec;
import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cascade with {@code score.cascade.tolerance}: its bands fitted on the run's own labelled items.
 * The pilot is up to {@code pilot-items} of the run's items with a human label (adjudicated as
 * {@code evaluate} does; at most half of them), picked by a hash of content_id; the stage scores
 * them first with every item sent to the second scorer (their rows are the run's rows, so nothing
 * is paid twice), then {@link #fit} scores them with the first scorer in the driver, fits the bands
 * ({@link CascadeFit}) and writes the trade-off curve to {@code metrics} under report
 * {@value CascadeFigures#FIT}. The fit waits until every pilot item has the second scorer's verdict,
 * so a resumed run picks the same pilot and fits the same bands from its committed rows.
 */
final class CascadePilot {
  /** The fewest pilot items the second scorer answered for that a fit needs. */
  static final int MIN_ITEMS = 10;
  private static final Logger LOG = LoggerFactory.getLogger(CascadePilot.class);

  private final RunContext ctx;
  private final ScorerSpec spec;
  /** The pilot's adjudicated labels: content_id, category, human_label. */
  private final List<Row> humanLabels;
  private final List<String> ids;

  private CascadePilot(RunContext ctx, ScorerSpec spec, List<Row> humanLabels, List<String> ids) {
    this.ctx = ctx;
    this.spec = spec;
    this.humanLabels = humanLabels;
    this.ids = ids;
  }

  /**
   * Picks the pilot among {@code items} (the stage's items, column contentId): at most half of the
   * labelled items, so that the run's evaluation always has labelled items the fitted cascade
   * decided; fails when that leaves fewer than {@value #MIN_ITEMS}.
   */
  static CascadePilot pick(RunContext ctx, ScorerSpec spec, Dataset<Row> items) {
    EvaluateSettings e = ctx.config().evaluate();
    Dataset<Row> human = Adjudication.adjudicate(ctx.store().readRun(Table.POLICY_LABELS, ctx.runId()),
            e.adjudication(), e.dawidSkeneIterations())
        .filter(col("human_label").isNotNull())
        .select("content_id", "category", "human_label");
    human.persist(StorageLevel.MEMORY_AND_DISK()); // counted, ranked and collected: adjudicated once
    try {
      Dataset<Row> labelled = human.select("content_id").distinct()
          .join(items.select(col("contentId").as("content_id")), "content_id");
      long labelledItems = labelled.count();
      int size = (int) Math.min(spec.cascade().pilot().items(), labelledItems / 2);
      if (size < MIN_ITEMS) {
        throw Errors.missingInput("human labels for at least " + 2 * MIN_ITEMS + " sampled items (found "
            + labelledItems + ")", "policy_labels of run " + ctx.runId(), "score.cascade.tolerance fits the "
            + "cascade's bands on a pilot of at most half the labelled items; label more of the sample, or set "
            + "score.cascade.band instead of the tolerance.");
      }
      List<String> ids = labelled.orderBy(hash(col("content_id"), lit(17)), col("content_id"))
          .limit(size).as(Encoders.STRING()).collectAsList();
      List<Row> pilotLabels = human.filter(col("content_id").isin(ids.toArray())).collectAsList();
      return new CascadePilot(ctx, spec, pilotLabels, ids);
    } finally {
      human.unpersist();
    }
  }

  /** The pilot's content ids. */
  List<String> ids() {
    return ids;
  }

  /**
   * Fits the bands from the pilot's committed rows (the second scorer's verdicts) and the first
   * scorer's scores, writes the curve to {@code metrics} and returns the spec with the bands.
   */
  ScorerSpec fit(Dataset<Row> items) {
    CascadeSpec cascade = spec.cascade();
    List<Policy.Category> categories = spec.policy().categories();
    Map<String, Integer> index = new HashMap<>();
    for (int k = 0; k < categories.size(); k++) {
      index.put(categories.get(k).id(), k);
    }
    Map<String, boolean[]> second = new HashMap<>();
    Map<String, Double> cost = new HashMap<>();
    Map<String, Integer> answered = new HashMap<>();
    Set<String> reusedFromFirst = new HashSet<>();
    Dataset<Row> pilotRows = ctx.store().readRun(Table.SCORES, ctx.runId())
        .filter(col("content_id").isin(ids.toArray()).and(col("status").isin("ok", "cached")))
        .select("content_id", "category", "label", "cost_usd", "scorer");
    for (Row r : pilotRows.collectAsList()) {
      Integer k = index.get(r.getString(1));
      if (!cascade.second().id().equals(r.getString(4))) {
        reusedFromFirst.add(r.getString(0)); // copied from another run that left the item to the first step
      } else if (k != null && !r.isNullAt(2)) {
        second.computeIfAbsent(r.getString(0), id -> new boolean[categories.size()])[k] = r.getBoolean(2);
        answered.merge(r.getString(0), 1, Integer::sum);
        cost.merge(r.getString(0), r.isNullAt(3) ? 0.0 : r.getDouble(3), Double::sum);
      }
    }
    List<ScoringItem> texts = items.filter(col("contentId").isin(ids.toArray()))
        .as(Encoders.bean(ScoringItem.class)).collectAsList().stream()
        .filter(i -> answered.getOrDefault(i.getContentId(), 0) == categories.size())
        .sorted(Comparator.comparing(ScoringItem::getContentId)).toList();
    long unanswered = ids.size() - texts.size() - reusedFromFirst.size();
    if (unanswered > 0) {
      // fitted only on the whole pilot: a resumed run then fits the very same bands
      throw Errors.stageFailed("score", String.format(Locale.ROOT, "%d of the %d pilot items have no verdict of the "
          + "cascade's %s yet (see their error rows in scores); the bands are fitted once every pilot item has "
          + "one: run score again with --run-id %s, which sends only those items (or set score.cascade.band "
          + "instead of the tolerance)", unanswered, ids.size(), cascade.second().id(), ctx.runId()), null);
    }
    if (texts.size() < MIN_ITEMS) {
      throw Errors.stageFailed("score", String.format(Locale.ROOT, "only %d of the %d pilot items have a verdict of "
          + "the cascade's %s: %d were reused from another run that left them to %s, and the band fit needs %d; "
          + "score under another model id (e.g. another pilot-items) or set score.cascade.band instead",
          texts.size(), ids.size(), cascade.second().id(), reusedFromFirst.size(), cascade.first().id(), MIN_ITEMS),
          null);
    }
    if (!reusedFromFirst.isEmpty()) {
      LOG.warn("score: {} of the {} pilot items were decided by {} (rows reused from another run, or scored before "
          + "they were labelled); the bands are fitted on the other {}", reusedFromFirst.size(), ids.size(),
          cascade.first().id(), texts.size());
    }
    Map<String, Boolean[]> human = new HashMap<>();
    for (Row r : humanLabels) {
      Integer k = index.get(r.getString(1));
      if (k != null) {
        human.computeIfAbsent(r.getString(0), id -> new Boolean[categories.size()])[k] = r.getBoolean(2);
      }
    }
    Scorer first = spec.withType(cascade.first()).scorer();
    Map<String, List<CategoryScore>> firstRows = new HashMap<>();
    for (CategoryScore s : first.score(texts)) {
      firstRows.computeIfAbsent(s.contentId(), id -> new ArrayList<>()).add(s);
    }
    double[] thresholds = categories.stream().mapToDouble(first::threshold).toArray();
    List<CascadeFit.Item> pilot = new ArrayList<>();
    for (ScoringItem item : texts) {
      String id = item.getContentId();
      double[] scores = new double[categories.size()];
      boolean[] labels = new boolean[categories.size()];
      Arrays.fill(scores, Double.NaN);
      for (CategoryScore s : firstRows.getOrDefault(id, List.of())) {
        Integer k = index.get(s.category());
        if (k != null && s.error() == null && s.score() != null) {
          scores[k] = s.score();
          labels[k] = Boolean.TRUE.equals(s.label());
        }
      }
      pilot.add(new CascadeFit.Item(scores, labels, second.get(id),
          human.getOrDefault(id, new Boolean[categories.size()]), cost.getOrDefault(id, 0.0)));
    }
    CascadeFit.Fit fit = CascadeFit.fit(categories.stream().map(Policy.Category::id).toList(), thresholds, pilot,
        cascade.pilot().tolerance());
    CascadeFigures.fitRows(ctx.runId(), fit).write(ctx);
    LOG.info("score: cascade bands (log-odds) fitted on {} pilot items: {} of the items go to {} with micro F1 {} "
        + "({} alone {}, {} alone {}), bands {}", fit.items(), fmt(fit.chosen().escalatedShare()),
        cascade.second().id(), fmt(fit.chosen().microF1()), cascade.second().id(), fmt(fit.secondOnlyF1()),
        cascade.first().id(), fmt(fit.firstOnlyF1()), fit.bands());
    return new ScorerSpec(spec.type(), spec.policy(), spec.embedded(), cascade.withBands(fit.bands()), spec.openai());
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
