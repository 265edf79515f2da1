package io.ecolens.diversity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;

import io.ecolens.embedding.EmbeddingStore;
import io.ecolens.spark.Seqs;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Semantic diversity of texts from their MiniLM embeddings: the mean pairwise cosine distance and
 * the Vendi score (Friedman & Dieng 2023).
 *
 * <p>With unit vectors x_1..x_n and the similarity matrix K_ij = x_i·x_j, the Vendi score is
 * exp(−Σ λ log λ) over the eigenvalues λ of K/n: 1 when all items are the same, n when they are
 * orthogonal. The nonzero eigenvalues of K = X Xᵀ equal those of the d×d Gram matrix XᵀX, so
 * Spark sums XᵀX (a {@link RowMatrix} gramian, d = 384) and the column sums, and the driver only
 * decomposes a d×d matrix. Mean pairwise similarity over i ≠ j is (‖Σ x_i‖² − n) / (n(n − 1)).
 *
 * <p>Embedding costs model time, so at most {@code maxItems} texts are drawn (seeded), and their
 * vectors come from the {@link EmbeddingStore}: a text embedded by an earlier call or run is not
 * embedded again.
 */
public final class SemanticDiversity {
  /** Input columns. */
  public static final String ID = "content_id";
  public static final String TEXT = "text";

  private SemanticDiversity() {}

  /** The figures and the items they rest on. */
  public record Result(long items, double meanCosineDistance, double vendiScore) {}

  /**
   * Vectors of at most {@code maxItems} non-empty texts (chosen by a seeded hash of the id), taken
   * from {@code store}: only the texts it lacks are embedded (and kept there). {@code texts} also
   * needs content_hash.
   */
  public static JavaRDD<Vector> embed(Dataset<Row> texts, int maxItems, long seed, EmbeddingStore store) {
    Dataset<Row> drawn = EmbeddingStore.keyed(drawn(texts, maxItems, seed));
    Dataset<Row> vectors = store.embed(drawn).vectors();
    // The draw's order again, in one partition as the draw itself: the sums in of() add in the same
    // order as when each drawn text was embedded in place, so the figures are the same to the last bit.
    return drawn.join(vectors, Seqs.of(EmbeddingStore.CONTENT_HASH, EmbeddingStore.TEXT_HASH))
        .orderBy(hash(col(ID), lit(seed)), col(ID))
        .limit(maxItems)
        .select(col(EmbeddingStore.VECTOR))
        .toJavaRDD()
        .map(row -> {
          List<Float> v = row.getList(0);
          double[] d = new double[v.size()];
          for (int i = 0; i < d.length; i++) {
            d[i] = v.get(i);
          }
          return Vectors.dense(d);
        });
  }

  /** At most {@code maxItems} non-empty texts, in the order of a seeded hash of the id. */
  static Dataset<Row> drawn(Dataset<Row> texts, int maxItems, long seed) {
    return texts
        .filter(col(TEXT).isNotNull().and(length(trim(col(TEXT))).gt(0)))
        .orderBy(hash(col(ID), lit(seed)), col(ID))
        .limit(maxItems);
  }

  /**
   * The figures of the vectors; each is scaled to unit length, zero vectors are left out. Null
   * when fewer than two vectors remain.
   */
  public static Result of(JavaRDD<Vector> vectors) {
    JavaRDD<Vector> rows = vectors.map(SemanticDiversity::unit).filter(v -> v != null).cache();
    try {
      long n = rows.count();
      if (n < 2) {
        return null;
      }
      RowMatrix matrix = new RowMatrix(rows.rdd(), n, rows.first().size());
      Matrix gram = matrix.computeGramianMatrix();
      double[] sum = matrix.computeColumnSummaryStatistics().mean().toArray();
      for (int i = 0; i < sum.length; i++) {
        sum[i] *= n;
      }
      return fromGram(toArray(gram), sum, n);
    } finally {
      rows.unpersist(false);
    }
  }

  /** Pure: the figures from the Gram matrix XᵀX, the vector sum Σ x_i and n unit vectors. */
  public static Result fromGram(double[][] gram, double[] vectorSum, long n) {
    double squaredNorm = 0;
    for (double s : vectorSum) {
      squaredNorm += s * s;
    }
    double meanSimilarity = (squaredNorm - n) / ((double) n * (n - 1));
    double[] eigenvalues = new EigenDecomposition(new Array2DRowRealMatrix(gram, false)).getRealEigenvalues();
    double entropy = 0;
    for (double eigenvalue : eigenvalues) {
      double lambda = eigenvalue / n;
      if (lambda > 1e-12) {
        entropy -= lambda * Math.log(lambda);
      }
    }
    return new Result(n, 1 - meanSimilarity, Math.exp(entropy));
  }

  private static Vector unit(Vector vector) {
    double[] v = vector.toArray().clone();
    double norm = 0;
    for (double x : v) {
      norm += x * x;
    }
    if (norm == 0) {
      return null;
    }
    norm = Math.sqrt(norm);
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
    return Vectors.dense(v);
  }

  private static double[][] toArray(Matrix m) {
    double[][] a = new double[m.numRows()][m.numCols()];
    for (int i = 0; i < m.numRows(); i++) {
      for (int j = 0; j < m.numCols(); j++) {
        a[i][j] = m.apply(i, j);
      }
    }
    return a;
  }
}
