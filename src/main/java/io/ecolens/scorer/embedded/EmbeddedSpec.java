package io.ecolens.scorer.embedded;

import io.ecolens.embedding.MiniLm;
import java.io.Serializable;

/**
 * What an executor needs to build the {@code embedded} scorer besides the policy: the model
 * window, ONNX Runtime threads, and the trained heads to use (null: zero-shot).
 */
public record EmbeddedSpec(int maxTokens, int intraOpThreads, TrainedHeads heads) implements Serializable {
  /** Zero-shot with the default window and one ONNX thread per task. */
  public static final EmbeddedSpec ZERO_SHOT = new EmbeddedSpec(256, 1, null);

  /** Model id as the scores table records it: the model, and the heads' fingerprint when trained. */
  public String model() {
    return heads == null ? MiniLm.MODEL_ID + ":zero-shot" : MiniLm.MODEL_ID + ":trained-" + heads.fingerprint();
  }
}
