package io.ecolens.scorer.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.Errors;
import io.ecolens.config.EmbeddingModel;
import io.ecolens.policy.Policy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Logistic-regression heads on in-process embeddings, one per policy category, fitted by {@code
 * train} for one policy version and one kind of vectors ({@code vectors}, e.g.
 * {@code all-minilm-l6-v2-q:max-tokens=256:windows=16}). Saved as {@code
 * <heads>/<policy id>/<policy version>/<embedding model>/heads.json} (local or any Hadoop file
 * system), small enough to ship to executors inside the scorer spec.
 */
public record TrainedHeads(String policyId, String policyVersion, String vectors, String trainedAt,
    String trainedOnRun, Map<String, Head> categories, Map<String, Policy.Embedded> calibration)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param categories the heads, per category (a category with too few labels has none)
   * @param calibration per category, the zero-shot similarity's centre and scale and the threshold
   *     fitted to the same labels (Platt scaling): what few labels already fix
   */
  public TrainedHeads {
    categories = new TreeMap<>(categories);
    calibration = calibration == null ? new TreeMap<>() : new TreeMap<>(calibration);
  }

  /** The same fit without its heads: every category scored zero-shot, calibrated where it was. */
  public TrainedHeads calibratedOnly() {
    return new TrainedHeads(policyId, policyVersion, vectors, trainedAt, trainedOnRun, Map.of(), calibration);
  }

  /** One category's head: {@code p = sigmoid(weights . x + intercept)}, violating at {@code threshold}. */
  public record Head(double[] weights, double intercept, double threshold, long positives, long items)
      implements Serializable {
    public double score(float[] x) {
      double z = intercept;
      for (int i = 0; i < weights.length; i++) {
        z += weights[i] * x[i];
      }
      return 1.0 / (1.0 + Math.exp(-z));
    }
  }

  /**
   * Short fingerprint of what decides the scores (policy version, vectors, heads, calibration; not
   * when or on which run they were fitted), part of the model id: a head fitted differently is never
   * served from cache, and the same fit again (same labels, seed and settings) reuses its scores.
   */
  public String fingerprint() {
    return Policy.sha256(new TrainedHeads(policyId, policyVersion, vectors, null, null, categories, calibration)
        .toJson()).substring(0, 12);
  }

  String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where the heads of this policy version on this embedding model live under the {@code heads} root. */
  public static Path location(String root, Policy policy, EmbeddingModel model) {
    return new Path(new Path(new Path(new Path(root, policy.id()), policy.version()), model.id()), "heads.json");
  }

  /** The saved heads of the policy's version on this model, or null when none were trained. */
  public static TrainedHeads find(String root, Policy policy, EmbeddingModel model, Configuration hadoop) {
    Path path = location(root, policy, model);
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      if (!fs.exists(path)) {
        return null;
      }
      try (InputStream in = fs.open(path)) {
        return JSON.readValue(in, TrainedHeads.class);
      }
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot read the trained heads " + path + " (" + e.getMessage()
          + "); run 'train' again, or remove the file to score zero-shot", e);
    }
  }

  /** Writes the heads to their location, replacing an earlier fit of the same policy version and model. */
  public Path save(String root, Policy policy, EmbeddingModel model, Configuration hadoop) throws IOException {
    Path path = location(root, policy, model);
    FileSystem fs = path.getFileSystem(hadoop);
    try (OutputStream out = fs.create(path, true)) {
      out.write(toJson().getBytes(StandardCharsets.UTF_8));
    }
    return path;
  }
}
