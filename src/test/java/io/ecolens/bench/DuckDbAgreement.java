package io.ecolens.bench;

import static io.ecolens.bench.AgreementFigures.key;

import io.ecolens.evaluate.AgreementMetrics;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The figures of {@link AgreementFigures} in DuckDB SQL over a folder of Parquet files, with the
 * definitions of {@link AgreementMetrics}: labelled rows only (human and model label not null),
 * every row once in the whole-run slice (all=all) and once per slice column (null slice values read
 * "unknown"); confusion counts per category x slice value; average precision and ROC AUC per
 * category x slice value from a histogram with one bin per distinct score, walked in descending
 * score order (ties share a threshold: AP = Σ pos_k · precision_k / P, ROC AUC = Σ neg_k (TP_k +
 * TP_k−1) / 2PN), rows without a score left out; the sweep (predicted positive when score ≥ i/steps)
 * and the reliability bins (min(B−1, max(0, floor(score·B)))) over the whole run. The plan follows
 * ecolens's: the slices are one unnest of the labelled rows, and every figure is its own scan of
 * the Parquet files, as every Spark action is.
 */
final class DuckDbAgreement {
  private DuckDbAgreement() {}

  /** An in-memory DuckDB that uses {@code threads} threads. */
  static Connection open(int threads) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement s = db.createStatement()) {
      s.execute("SET threads TO " + threads);
      s.execute("SET preserve_insertion_order = false");
    }
    return db;
  }

  /** The figures over every {@code *.parquet} file in {@code parquetDir}. */
  static AgreementFigures compute(Connection db, String parquetDir, List<String> categories, List<String> slices,
      int sweepSteps, int bins) throws SQLException {
    AgreementFigures f = new AgreementFigures();
    try (Statement s = db.createStatement()) {
      s.execute("CREATE OR REPLACE TEMP VIEW labelled AS SELECT * FROM read_parquet('"
          + (parquetDir + "/*.parquet").replace("'", "''") + "')"
          + " WHERE human_label IS NOT NULL AND model_label IS NOT NULL");
      List<String> sliceStructs = new ArrayList<>(List.of("{'k': 'all', 'v': 'all'}"));
      for (String slice : slices) {
        sliceStructs.add("{'k': '" + slice + "', 'v': coalesce(CAST(\"" + slice + "\" AS VARCHAR), 'unknown')}");
      }
      s.execute("CREATE OR REPLACE TEMP VIEW sliced AS SELECT category, model_label, model_score, human_label,"
          + " struct_extract(s, 'k') AS slice_key, struct_extract(s, 'v') AS slice_value"
          + " FROM (SELECT category, model_label, model_score, human_label,"
          + " unnest([" + String.join(", ", sliceStructs) + "]) AS s FROM labelled)");

      Set<String> labelledCategories = new TreeSet<>();
      try (ResultSet r = s.executeQuery("SELECT slice_key, slice_value, category,"
          + " count(*) FILTER (WHERE model_label AND human_label) AS tp,"
          + " count(*) FILTER (WHERE model_label AND NOT human_label) AS fp,"
          + " count(*) FILTER (WHERE NOT model_label AND human_label) AS fn,"
          + " count(*) FILTER (WHERE NOT model_label AND NOT human_label) AS tn"
          + " FROM sliced GROUP BY ALL")) {
        while (r.next()) {
          for (String m : List.of("tp", "fp", "fn", "tn")) {
            f.counts().put(key(m, r.getString(3), r.getString(1), r.getString(2)), r.getLong(m));
          }
          if (r.getString(1).equals("all")) {
            labelledCategories.add(r.getString(3));
          }
        }
      }
      // as ecolens: every category in the whole-run slice, even without labelled items
      for (String c : categories) {
        for (String m : List.of("tp", "fp", "fn", "tn")) {
          f.counts().putIfAbsent(key(m, c, "all", "all"), 0L);
        }
      }

      try (ResultSet r = s.executeQuery("WITH histogram AS ("
          + " SELECT category, slice_key, slice_value, model_score,"
          + " count(*) FILTER (WHERE human_label) AS pos, count(*) FILTER (WHERE NOT human_label) AS neg"
          + " FROM sliced WHERE model_score IS NOT NULL GROUP BY ALL),"
          + " walked AS (SELECT *, sum(pos) OVER w AS tp, sum(neg) OVER w AS fp FROM histogram"
          + " WINDOW w AS (PARTITION BY category, slice_key, slice_value ORDER BY model_score DESC"
          + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))"
          + " SELECT category, slice_key, slice_value,"
          + " CASE WHEN sum(pos) = 0 THEN 0.0::DOUBLE ELSE sum(CASE WHEN pos > 0"
          + " THEN pos::DOUBLE * (tp::DOUBLE / (tp + fp)::DOUBLE) ELSE 0.0::DOUBLE END) / sum(pos)::DOUBLE END AS ap,"
          + " CASE WHEN sum(pos) > 0 AND sum(neg) > 0 THEN sum(neg::DOUBLE * (2 * tp - pos)::DOUBLE)"
          + " / (2.0::DOUBLE * sum(pos)::DOUBLE * sum(neg)::DOUBLE) END AS roc_auc"
          + " FROM walked GROUP BY ALL")) {
        while (r.next()) {
          f.values().put(key("average_precision", r.getString(1), r.getString(2), r.getString(3)), r.getDouble(4));
          double auc = r.getDouble(5);
          if (!r.wasNull()) {
            f.values().put(key("roc_auc", r.getString(1), r.getString(2), r.getString(3)), auc);
          }
        }
      }

      // as ecolens: every step of every category with labelled items, zero where no score reaches it
      for (String c : labelledCategories) {
        for (int i = 0; i <= sweepSteps; i++) {
          String t = AgreementFigures.threshold(i, sweepSteps);
          for (String m : List.of("sweep_tp", "sweep_fp", "sweep_predicted")) {
            f.counts().put(key(m, c, "threshold", t), 0L);
          }
        }
      }
      try (ResultSet r = s.executeQuery("WITH grid AS (SELECT i AS step, i::DOUBLE / " + sweepSteps + "::DOUBLE AS threshold"
          + " FROM range(0, " + (sweepSteps + 1) + ") AS t(i))"
          + " SELECT category, step, count(*) FILTER (WHERE human_label) AS tp,"
          + " count(*) FILTER (WHERE NOT human_label) AS fp"
          + " FROM sliced JOIN grid ON model_score >= threshold"
          + " WHERE slice_key = 'all' AND model_score IS NOT NULL GROUP BY ALL")) {
        while (r.next()) {
          String category = r.getString(1);
          if (!labelledCategories.contains(category)) {
            continue;
          }
          String t = AgreementFigures.threshold(r.getInt(2), sweepSteps);
          f.counts().put(key("sweep_tp", category, "threshold", t), r.getLong(3));
          f.counts().put(key("sweep_fp", category, "threshold", t), r.getLong(4));
          f.counts().put(key("sweep_predicted", category, "threshold", t), r.getLong(3) + r.getLong(4));
        }
      }

      try (ResultSet r = s.executeQuery("WITH binned AS (SELECT category,"
          + " least(" + (bins - 1) + ", greatest(0, CAST(floor(model_score * " + bins + ") AS INTEGER))) AS bin,"
          + " model_score, CASE WHEN human_label THEN 1.0::DOUBLE ELSE 0.0::DOUBLE END AS y"
          + " FROM sliced WHERE slice_key = 'all' AND model_score IS NOT NULL),"
          + " bins AS (SELECT category, bin, count(*) AS n, sum(model_score) AS score_sum, count(*) FILTER (WHERE y = 1) AS pos,"
          + " sum((model_score - y) * (model_score - y)) AS squared_error FROM binned GROUP BY ALL)"
          + " SELECT category, bin, n, pos, score_sum / n::DOUBLE AS mean_score,"
          + " sum(squared_error) OVER (PARTITION BY category) / sum(n) OVER (PARTITION BY category)::DOUBLE AS brier"
          + " FROM bins")) {
        while (r.next()) {
          String category = r.getString(1);
          String label = AgreementFigures.scoreBin(r.getInt(2), bins);
          f.counts().put(key("bin_n", category, "score_bin", label), r.getLong(3));
          f.counts().put(key("bin_positives", category, "score_bin", label), r.getLong(4));
          f.values().put(key("bin_mean_score", category, "score_bin", label), r.getDouble(5));
          f.values().put(key("brier", category, "all", "all"), r.getDouble(6));
        }
      }
    }
    return f;
  }
}
