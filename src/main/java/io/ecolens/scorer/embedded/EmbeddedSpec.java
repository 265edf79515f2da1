package io.ecolens.scorer.embedded;

import io.ecolens.config.EmbeddingModel;
import io.ecolens.embedding.Embedder;
import java.io.Serializable;

/**
 * What an executor needs to build the {@code embedded} scorer besides the policy: the embedding
 * model and its window, ONNX Runtime threads, and the trained heads to use (null: zero-shot).
 */
public record EmbeddedSpec(EmbeddingModel embedding, int maxTokens, int intraOpThreads, TrainedHeads heads)
    implements Serializable {
  /** Zero-shot with the default model and window and one ONNX thread per task. */
  public static final EmbeddedSpec ZERO_SHOT = new EmbeddedSpec(EmbeddingModel.MINILM, 256, 1, null);

  /** The id of the vectors: model, window and how long texts are pooled ({@link Embedder#modelId}). */
  public String vectors() {
    return Embedder.modelId(embedding, maxTokens);
  }

  /**
   * Model id as the scores table records it (part of its cache key): the vectors' id, then
   * {@code zero-shot}, or the fit's fingerprint after {@code trained} (heads) or {@code calibrated}
   * (zero-shot calibrated to labels, no heads).
   */
  public String model() {
    if (heads == null) {
      return vectors() + ":zero-shot";
    }
    return vectors() + (heads.categories().isEmpty() ? ":calibrated-" : ":trained-") + heads.fingerprint();
  }
}
